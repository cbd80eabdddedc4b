package web

import "sunshine/internal/platform/view"

// Table and Cell are view.Table and view.Cell, which the "table" template
// renders.
type (
	Table = view.Table
	Cell  = view.Cell
)
