package web

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Types names the Go types of a JSON route's request body and its answer
// (zero values: web.Types{In: registry.PersonInput{}, Out: registry.Person{}}).
// The API document's schemas are generated from them, and the API tests check
// every JSON answer against its route's schema. Status is the answer's
// status when it is not 200 (e.g. 201).
type Types struct {
	In, Out any
	Status  int
}

// Schemas turns Go types into OpenAPI 3.0 schemas, by their JSON encoding:
// a struct is an object of its exported fields under their json names
// (embedded structs flattened; fields without omitempty are required), a
// pointer is nullable, a slice an array, a map an object of values, a
// time.Time a date-time string. A field may list its values in a tag:
// `enum:"a,b,c"`. Named structs become components, referred to by $ref.
type Schemas struct {
	Components map[string]any
	names      map[reflect.Type]string
}

// NewSchemas returns an empty set of schemas.
func NewSchemas() *Schemas {
	return &Schemas{Components: map[string]any{}, names: map[reflect.Type]string{}}
}

var (
	timeType      = reflect.TypeOf(time.Time{})
	rawType       = reflect.TypeOf(json.RawMessage{})
	numberType    = reflect.TypeOf(json.Number(""))
	marshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	nonWord       = regexp.MustCompile(`[^A-Za-z0-9]+`)
)

// name is the component name of a named struct type: its package and name,
// with type arguments spelt out (List[registry.Person] → registry.ListOfPerson).
func name(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		args := n[i+1 : len(n)-1]
		var parts []string
		for _, a := range strings.Split(args, ",") {
			a = a[strings.LastIndexAny(a, "/.")+1:]
			parts = append(parts, nonWord.ReplaceAllString(a, ""))
		}
		n = n[:i] + "Of" + strings.Join(parts, "And")
	}
	pkg := t.PkgPath()
	pkg = pkg[strings.LastIndexByte(pkg, '/')+1:]
	return pkg + "." + n
}

// Of returns the schema of t: a $ref for a named struct (its component made
// on first use), an inline schema otherwise.
func (s *Schemas) Of(t reflect.Type) map[string]any {
	switch {
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}
	case t == numberType:
		return map[string]any{"type": "number"}
	case t == rawType || t.Implements(marshalerType):
		return map[string]any{} // encodes itself: anything
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := s.Of(t.Elem())
		if ref, ok := inner["$ref"]; ok {
			return map[string]any{"nullable": true, "allOf": []any{map[string]any{"$ref": ref}}}
		}
		out := map[string]any{"nullable": true}
		for k, v := range inner {
			out[k] = v
		}
		return out
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": s.Of(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.Of(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			return s.object(t)
		}
		n, ok := s.names[t]
		if !ok {
			n = name(t)
			s.names[t] = n
			s.Components[n] = map[string]any{} // a placeholder while it is built (recursive types)
			s.Components[n] = s.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + n}
	}
	return map[string]any{}
}

// object is the schema of a struct's JSON object.
func (s *Schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	s.fields(t, props, &required)
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		out["required"] = required
	}
	return out
}

func (s *Schemas) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) {
			continue
		}
		n, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && n == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				s.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if n == "" {
			n = f.Name
		}
		p := s.Of(f.Type)
		if strings.Contains(opts, "string") {
			p = map[string]any{"type": "string"}
		}
		if e := f.Tag.Get("enum"); e != "" {
			vals := []any{}
			for _, v := range strings.Split(e, ",") {
				vals = append(vals, v)
			}
			p["enum"] = vals
		}
		props[n] = p
		if !strings.Contains(opts, "omitempty") {
			*required = append(*required, n)
		}
	}
}

// Check validates a decoded JSON value (from json.Unmarshal into any)
// against schema, resolving $refs in components. It returns the first
// mismatch, naming where in the value it is.
func Check(components map[string]any, schema map[string]any, v any) error {
	return check(components, schema, v, "$")
}

func check(comp map[string]any, sc map[string]any, v any, at string) error {
	if ref, ok := sc["$ref"].(string); ok {
		target, ok := comp[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		if !ok {
			return fmt.Errorf("%s: unresolved %s", at, ref)
		}
		return check(comp, target, v, at)
	}
	if v == nil {
		if sc["nullable"] == true || len(sc) == 0 {
			return nil
		}
		return fmt.Errorf("%s: null, but the schema does not allow it", at)
	}
	if all, ok := sc["allOf"].([]any); ok {
		for _, x := range all {
			if err := check(comp, x.(map[string]any), v, at); err != nil {
				return err
			}
		}
	}
	if e, ok := sc["enum"].([]any); ok && !slices.Contains(e, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, e)
	}
	switch sc["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an object", at, v)
		}
		props, _ := sc["properties"].(map[string]any)
		req, _ := sc["required"].([]string)
		for _, r := range req {
			if _, ok := m[r]; !ok {
				return fmt.Errorf("%s: no %q", at, r)
			}
		}
		for k, x := range m {
			if p, ok := props[k].(map[string]any); ok {
				if err := check(comp, p, x, at+"."+k); err != nil {
					return err
				}
			} else if ap, ok := sc["additionalProperties"].(map[string]any); ok {
				if err := check(comp, ap, x, at+"."+k); err != nil {
					return err
				}
			} else if props != nil {
				return fmt.Errorf("%s: %q is not in the schema", at, k)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an array", at, v)
		}
		items, _ := sc["items"].(map[string]any)
		for i, x := range a {
			if err := check(comp, items, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %T, want a string", at, v)
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return fmt.Errorf("%s: %v, want an integer", at, v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("%s: %T, want a number", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %T, want true or false", at, v)
		}
	}
	return nil
}
