package centres_test

import "sunshine/internal/app/apptest"

// pageEntries are the permission-matrix entries of the pages (the pages
// helper replaces this file).
func pageEntries() map[string]apptest.Entry { return map[string]apptest.Entry{} }
