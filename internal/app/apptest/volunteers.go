package apptest

import (
	"context"
	"fmt"
	"testing"

	"sunshine/internal/app"
	"sunshine/internal/identity"
	"sunshine/internal/volunteers"
)

// VolunteerOf registers the n-th test volunteer (n from 1 to 9999) of a
// unit in a team, with a phone (sealed) and skills, and returns its id.
func VolunteerOf(t testing.TB, a *app.App, n int, unit, team string, skills ...string) int64 {
	t.Helper()
	v, err := a.Volunteers.CreateVolunteer(context.Background(), staff(), volunteers.VolunteerInput{
		Name: fmt.Sprintf("志愿者%d", n), Phone: fmt.Sprintf("1370000%04d", n), Team: team, OrgUnit: unit, Skills: skills,
		Days: []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}, Times: []string{"am", "pm", "eve"}})
	if err != nil {
		t.Fatal(err)
	}
	return v.ID
}

// VolunteerCaller is a caller of the volunteer account of volunteer id
// whose unit is unit.
func VolunteerCaller(id int64, unit string) volunteers.Caller {
	c := Caller(identity.Volunteer, unit)
	c.VolunteerID = id
	return c
}
