package registry

import (
	"encoding/json"
	"testing"
)

func TestVisitRulesPrint(t *testing.T) {
	b, _ := json.MarshalIndent(VisitRulesOf(2026, "en"), "", " ")
	t.Log(string(b))
}
