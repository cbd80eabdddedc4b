package casework

import (
	"context"
	"fmt"

	"sunshine/internal/access"
)

// Step is one action on a case by a caller, with its data.
type Step struct {
	By     access.Caller
	Action string
	Data   map[string]any
}

// Run opens a case of typeCode for a person as opener and takes the steps in
// order (demo data, scripted journeys). It stops at the first refused step
// and returns the case as it stands and the error, naming the step.
func (e *Engine) Run(ctx context.Context, opener access.Caller, personID int64, typeCode string, data map[string]any, steps ...Step) (Case, error) {
	c, err := e.Create(ctx, opener, personID, typeCode, data)
	if err != nil {
		return c, fmt.Errorf("open a %s case: %w", typeCode, err)
	}
	for _, st := range steps {
		next, err := e.Act(ctx, st.By, c.ID, st.Action, st.Data, 0)
		if err != nil {
			return c, fmt.Errorf("%s case %d, %s: %w", typeCode, c.ID, st.Action, err)
		}
		c = next
	}
	return c, nil
}

// StepBy is the step in which by takes action with data.
func StepBy(by access.Caller, action string, data map[string]any) Step {
	return Step{By: by, Action: action, Data: data}
}
