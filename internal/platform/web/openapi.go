package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

var (
	pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\}`)
	// muxOnly are the wildcards of a ServeMux pattern that OpenAPI paths do
	// not have: {$} (the path ends here) and {name...} (the rest of the path).
	muxOnly = regexp.MustCompile(`\{\$\}|\{([A-Za-z0-9_]+)\.\.\.\}`)
)

// openAPIPath is the OpenAPI path of a ServeMux pattern's path: "/{$}" is
// "/", and "/files/{path...}" is "/files/{path}".
func openAPIPath(pattern string) string {
	return muxOnly.ReplaceAllStringFunc(pattern, func(m string) string {
		if m == "{$}" {
			return ""
		}
		return strings.TrimSuffix(m, "...}") + "}"
	})
}

// OpenAPI builds an OpenAPI 3 document from the registered routes: every
// path, method, path parameter and the roles allowed, and the request and
// answer schemas of the routes that declare their types (Types).
func OpenAPI(routes []Route) map[string]any {
	paths := map[string]map[string]any{}
	schemas := NewSchemas()
	schemas.Components["Error"] = errorSchema
	for _, rt := range routes {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok || !strings.HasPrefix(path, "/") {
			continue
		}
		path = openAPIPath(path)
		ok200 := map[string]any{"description": "OK"}
		status := "200"
		if rt.Types.Status != 0 {
			status = strconv.Itoa(rt.Types.Status)
		}
		if rt.Types.Out != nil {
			ok200["content"] = map[string]any{"application/json": map[string]any{"schema": schemas.Of(reflect.TypeOf(rt.Types.Out))}}
		}
		op := map[string]any{
			"operationId": strings.ToLower(method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(path),
			"responses": map[string]any{
				status: ok200,
				"default": map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{
					"schema": map[string]any{"$ref": "#/components/schemas/Error"}}}},
			},
		}
		if rt.Types.In != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{
				"schema": schemas.In(reflect.TypeOf(rt.Types.In))}}}
		}
		var params []map[string]any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			op["parameters"] = params
		}
		switch {
		case rt.Access.Public:
			op["security"] = []any{}
		case len(rt.Access.Roles) > 0:
			op["x-roles"] = rt.Access.Roles
		default:
			op["x-roles"] = "any signed-in user"
		}
		if paths[path] == nil {
			paths[path] = map[string]any{}
		}
		paths[path][strings.ToLower(method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info":    map[string]any{"title": "Sunshine API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
			"schemas":         schemas.Components,
		},
		"security": []any{map[string]any{"bearer": []any{}}},
	}
}

// errorSchema is the schema of every error answer (CONTRACT.md).
var errorSchema = map[string]any{"type": "object", "required": []string{"error"}, "properties": map[string]any{
	"error": map[string]any{"type": "object", "required": []string{"code", "message"}, "properties": map[string]any{
		"code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"},
		"fields": map[string]any{"type": "array", "items": map[string]any{"type": "object", "properties": map[string]any{
			"field": map[string]any{"type": "string"}, "code": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}}}},
	}}}}

// CheckAnswer checks a JSON answer of the router against the schema its
// route declares (Types.Out), for the API tests: nil when the route declares
// none, the status is not its success status, or the body matches.
func (rt *Router) CheckAnswer(r *http.Request, status int, body []byte) error {
	route, ok := rt.RouteOf(r)
	if !ok || route.Types.Out == nil {
		return nil
	}
	want := route.Types.Status
	if want == 0 {
		want = http.StatusOK
	}
	if status != want {
		return nil
	}
	if err := checkJSON(route.Types.Out, false, body); err != nil {
		return fmt.Errorf("%s: the answer %w", route.Pattern, err)
	}
	return nil
}

// CheckRequest checks the JSON body of a request to the router against the
// schema its route declares (Types.In), for the API tests: nil when the
// route declares none, the answer's status is not a success (2xx: a test may
// send a wrong body on purpose, to see it refused), or the body matches.
func (rt *Router) CheckRequest(r *http.Request, status int, body []byte) error {
	route, ok := rt.RouteOf(r)
	if !ok || route.Types.In == nil || status/100 != 2 {
		return nil
	}
	if err := checkJSON(route.Types.In, true, body); err != nil {
		return fmt.Errorf("%s: the request body %w", route.Pattern, err)
	}
	return nil
}

// checkJSON checks that body is JSON matching the schema of typ's type, as
// a request body (in) or an answer.
func checkJSON(typ any, in bool, body []byte) error {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("is not JSON: %w", err)
	}
	schemas := NewSchemas()
	schema := schemas.Of(reflect.TypeOf(typ))
	if in {
		schema = schemas.In(reflect.TypeOf(typ))
	}
	if err := Check(schemas.Components, schema, v); err != nil {
		return fmt.Errorf("does not match its schema: %w", err)
	}
	return nil
}
