// Package view holds the shapes of what a module shows on another module's
// page, as plain data: no HTTP, no templates. Stores and service types can
// build them; the web layer renders them.
package view

// Table is a table one module shows on another's page (the person's loan
// card on a case page, their cases on the person page), already in the
// page's language. The "table" template renders it: a caption (ID is its
// element id, unique on the page), column heads, rows of cells, Empty when
// there are no rows, and links below it.
type Table struct {
	ID      string
	Caption string
	Head    []string
	Rows    [][]Cell
	Empty   string
	Links   []Cell
	// RowHeads makes each row's first cell its header (th scope="row").
	RowHeads bool
}

// Cell is one cell of a Table: text, a link when Href is set, and a tag
// after it (e.g. "overdue") when Tag is set. Img, when set, is the address
// of a small picture (a thumbnail) shown before the text, Alt its text
// alternative (say what it shows: a link of only a picture is named by it).
type Cell struct {
	Text, Href, Tag string
	Img, Alt        string
}
