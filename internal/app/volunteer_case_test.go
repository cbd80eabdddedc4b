package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/volunteers"
)

// TestCasePageVolunteerTasks: staff see on a case page the volunteer tasks
// made for the case and a link to arrange one; the served person does not.
func TestCasePageVolunteerTasks(t *testing.T) {
	t.Parallel()
	testkit.Engines(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		cs, err := e.App.Cases.Create(ctx, apptest.Caller(identity.TownStaff, "310114102"), e.In, "rehabilitation", apptest.Data(`{"reason":"中风后康复"}`))
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/cases/%d", cs.ID)
		e.page(t, "town", path, 200, "还没有为这个个案安排志愿者。", fmt.Sprintf(`href="/volunteer-tasks/new?case=%d"`, cs.ID))
		now := d.Now()
		tk, err := e.App.Volunteers.CreateTask(ctx, apptest.Caller(identity.TownStaff, "310114102"), volunteers.TaskInput{Title: "陪同前往康复中心",
			Kind: "rehab", OrgUnit: "310114102", CaseID: cs.ID, StartsAt: now.Add(24 * time.Hour), EndsAt: now.Add(27 * time.Hour), Slots: 1})
		if err != nil {
			t.Fatal(err)
		}
		if tk.ServedName != "试1" { // 测试1: the surname 测 left out
			t.Errorf("the task's served person: %q", tk.ServedName)
		}
		e.page(t, "district", path+"?lang=en", 200, "Volunteer tasks", "陪同前往康复中心", fmt.Sprintf(`href="/volunteer-tasks/%d"`, tk.ID), "0 / 1")
		body := e.page(t, "person", path, 200)
		if strings.Contains(body, "志愿者任务") {
			t.Error("the person's case page shows the staff's volunteer tasks")
		}
	})
}
