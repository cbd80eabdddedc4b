package web

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/safetext"
)

// BadText reports whether s holds a character no text field takes
// (safetext.Bad).
func BadText(s string) bool { return safetext.Bad(s) }

// badTextField is the field error for text with a character BadText refuses.
func badTextField(field string) apperr.FieldError {
	return apperr.Field(field, "control_character", "内容含有不可见的控制字符，请删除后重新输入。",
		"The text holds an invisible control character; remove it and enter the text again.")
}

// textOK walks a decoded JSON body and returns the JSON path of the first
// string that BadText refuses (object keys included).
func textOK(v reflect.Value, path string) (string, bool) {
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch v.Kind() {
	case reflect.String:
		return path, !BadText(v.String())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", true
		}
		return textOK(v.Elem(), path)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if f.Anonymous {
				name = path
			} else {
				name = join(name)
			}
			if p, ok := textOK(v.Field(i), name); !ok {
				return p, false
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key()
			if k.Kind() == reflect.String && BadText(k.String()) {
				return join(k.String()), false
			}
			if p, ok := textOK(iter.Value(), join(k.String())); !ok {
				return p, false
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return "", true // bytes, not text
		}
		for i := range v.Len() {
			if p, ok := textOK(v.Index(i), path+"["+strconv.Itoa(i)+"]"); !ok {
				return p, false
			}
		}
	}
	return "", true
}

// CheckForm refuses a posted url-encoded form any of whose names or values
// holds text that BadText refuses, naming the field. (Multipart forms carry
// files and a few fields of fixed vocabulary, read by their handlers.)
func CheckForm(r *http.Request) error {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return nil
	}
	if err := r.ParseForm(); err != nil {
		return nil // the handler reports what it cannot read
	}
	for name, vals := range r.PostForm {
		if BadText(name) {
			return apperr.Validation(badTextField(""))
		}
		for _, v := range vals {
			if BadText(v) {
				return apperr.Validation(badTextField(name))
			}
		}
	}
	return nil
}

// Attachment sets the headers of a file download named name. The name is
// cut down to letters, digits, '.', '-' and '_' (anything else becomes '_',
// at most 100 characters), since it may carry a query parameter.
func Attachment(w http.ResponseWriter, name, contentType string) {
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 100 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+b.String()+`"`)
	w.Header().Set("Cache-Control", "no-store")
}
