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

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

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
				"schema": schemas.Of(reflect.TypeOf(rt.Types.In))}}}
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
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s: the answer is not JSON: %w", route.Pattern, err)
	}
	schemas := NewSchemas()
	schema := schemas.Of(reflect.TypeOf(route.Types.Out))
	if err := Check(schemas.Components, schema, v); err != nil {
		return fmt.Errorf("%s: the answer does not match its schema: %w", route.Pattern, err)
	}
	return nil
}
