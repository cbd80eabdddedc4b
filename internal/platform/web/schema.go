package web

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
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
// (embedded structs flattened, a shallower field hiding a deeper one of the
// same name as encoding/json does; fields without omitempty are required),
// a pointer is nullable, a slice an array, a map an object of values, a
// time.Time a date-time string. A field may list its values in a tag:
// `enum:"a,b,c"` (on a slice or array, the values of its items). Named
// structs become components, referred to by $ref (named by package and
// type, with a number added when two types would share a name).
//
// A request body (In) is decoded, not encoded, so omitempty means nothing to
// it; a field tagged `in:"optional"` may be left out of a request although
// answers always have it (on an embedded struct: every field of it). A type
// with such fields has two components: the answer's under its name and the
// request's with "Input" added, or the other way round ("Output" added to
// the answer's) when its name already ends with Input.
type Schemas struct {
	Components map[string]any
	names      map[variant]string
	differs    map[reflect.Type]bool
}

// variant is a Go type as an answer (in false) or as a request body (in true).
type variant struct {
	t  reflect.Type
	in bool
}

// NewSchemas returns an empty set of schemas.
func NewSchemas() *Schemas {
	return &Schemas{Components: map[string]any{}, names: map[variant]string{}, differs: map[reflect.Type]bool{}}
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

// Of returns the schema of t as an answer: a $ref for a named struct (its
// component made on first use), an inline schema otherwise.
func (s *Schemas) Of(t reflect.Type) map[string]any { return s.of(t, false) }

// In returns the schema of t as a request body: Of, but fields tagged
// `in:"optional"` are not required.
func (s *Schemas) In(t reflect.Type) map[string]any { return s.of(t, true) }

func (s *Schemas) of(t reflect.Type, in bool) map[string]any {
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
		inner := s.of(t.Elem(), in)
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
		return map[string]any{"type": "array", "items": s.of(t.Elem(), in)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": s.of(t.Elem(), in)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		if t.Name() == "" {
			return s.object(t, in)
		}
		in = in && s.differ(t)
		v := variant{t, in}
		n, ok := s.names[v]
		if !ok {
			n = name(t)
			switch {
			case in && !strings.HasSuffix(n, "Input"):
				n += "Input"
			case !in && s.differ(t) && strings.HasSuffix(n, "Input"):
				n += "Output"
			}
			for base, i := n, 2; s.Components[n] != nil; i++ {
				n = base + strconv.Itoa(i) // the name is another type's
			}
			s.names[v] = n
			s.Components[n] = map[string]any{} // a placeholder while it is built (recursive types)
			s.Components[n] = s.object(t, in)
		}
		return map[string]any{"$ref": "#/components/schemas/" + n}
	}
	return map[string]any{}
}

// differ reports whether t's schema as a request body differs from its
// schema as an answer: whether a field of it, or of a type it holds, is
// tagged `in:"optional"`.
func (s *Schemas) differ(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return s.differ(t.Elem())
	case reflect.Struct:
	default:
		return false
	}
	if t == timeType || t.Implements(marshalerType) {
		return false
	}
	if d, ok := s.differs[t]; ok {
		return d
	}
	s.differs[t] = false // while it is looked at (recursive types)
	d := false
	for _, f := range jsonFields(t) {
		if (f.optional && !f.omitempty) || s.differ(f.typ) {
			d = true
			break
		}
	}
	s.differs[t] = d
	return d
}

// object is the schema of a struct's JSON object.
func (s *Schemas) object(t reflect.Type, in bool) map[string]any {
	props := map[string]any{}
	var required []string
	for _, f := range jsonFields(t) {
		p := s.of(f.typ, in)
		if f.asString {
			p = map[string]any{"type": "string"}
		}
		if f.enum != "" {
			vals := []any{}
			for _, v := range strings.Split(f.enum, ",") {
				vals = append(vals, v)
			}
			if items, ok := p["items"].(map[string]any); ok && p["type"] == "array" {
				items["enum"] = vals
			} else {
				p["enum"] = vals
			}
		}
		props[f.name] = p
		if !f.omitempty && !(in && f.optional) {
			required = append(required, f.name)
		}
	}
	out := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		slices.Sort(required)
		out["required"] = required
	}
	return out
}

// jsonField is a field of a struct's JSON object.
type jsonField struct {
	name      string
	typ       reflect.Type
	omitempty bool
	asString  bool   // the ",string" option
	enum      string // the enum tag
	optional  bool   // tagged `in:"optional"`, or in an embedded struct that is
	depth     int    // how deeply embedded
	tagged    bool   // named by its json tag
}

// jsonFields lists the fields of struct t's JSON object in order, as
// encoding/json finds them: embedded structs flattened, and of fields of
// the same name the shallowest (then the only tagged one) kept, the others
// dropped.
func jsonFields(t reflect.Type) []jsonField {
	var all []jsonField
	var walk func(t reflect.Type, depth int, optional bool, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, depth int, optional bool, seen map[reflect.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" || (!f.IsExported() && !f.Anonymous) {
				continue
			}
			n, opts, _ := strings.Cut(tag, ",")
			opt := optional || f.Tag.Get("in") == "optional"
			if f.Anonymous && n == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, depth+1, opt, seen)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			tagged := n != ""
			if !tagged {
				n = f.Name
			}
			has := func(o string) bool { return slices.Contains(strings.Split(opts, ","), o) }
			all = append(all, jsonField{name: n, typ: f.Type, omitempty: has("omitempty"), asString: has("string"),
				enum: f.Tag.Get("enum"), optional: opt, depth: depth, tagged: tagged})
		}
	}
	walk(t, 0, false, map[reflect.Type]bool{})
	var out []jsonField
	for i, f := range all {
		keep := true
		for j, g := range all {
			if i == j || g.name != f.name {
				continue
			}
			// Another field of the name hides f when shallower, or as deep and
			// tagged while f is not; as deep and as tagged, both go.
			if g.depth < f.depth || (g.depth == f.depth && (g.tagged || !f.tagged)) {
				keep = false
			}
		}
		if keep {
			out = append(out, f)
		}
	}
	return out
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
