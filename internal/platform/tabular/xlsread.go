package tabular

// openXLSBook opens an Excel 97–2003 workbook: placeholder until the BIFF8
// reader lands.
func openXLSBook(path string, limits Limits) (workbook, error) {
	return nil, ErrUnsupported
}
