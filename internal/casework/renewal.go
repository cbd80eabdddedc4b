package casework

import (
	"context"
	"fmt"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// RenewalCode is the service type of a certificate's renewal.
const RenewalCode = "certificate_renewal"

// Renewal is the renewal of a disability certificate (换证, DOMAIN.md §1.2:
// valid 10 years, renewal needs a reassessment) as a task: the village or
// town books the reassessment, the town or district records the new
// certificate's issue date (correctable until the record is updated), then
// updates the person's record with it, audited.
func Renewal(reg *registry.Store) *Type {
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	workers := []string{identity.DistrictStaff, identity.TownStaff, identity.VillageAssistant}
	day := 24 * time.Hour
	return &Type{
		Code: RenewalCode, Zh: "残疾证换证（复评）", En: "Certificate renewal (reassessment)", OwnEntry: true,
		Initial: "requested", CreateRoles: workers, ExpiredCertificate: CertAllow,
		States: []State{
			{Code: "requested", Zh: "待预约复评", En: "reassessment to be booked", Due: 14 * day},
			{Code: "booked", Zh: "已预约复评", En: "reassessment booked", Due: 60 * day},
			{Code: "issued", Zh: "新证已发放", En: "new certificate issued", Due: 7 * day},
			{Code: "done", Zh: "档案已更新", En: "record updated", Terminal: true},
			{Code: "cancelled", Zh: "已撤销", En: "cancelled", Terminal: true},
		},
		Transitions: []Transition{
			{Action: "book", From: []string{"requested"}, To: "booked", Roles: workers, Zh: "预约复评", En: "book the reassessment",
				Fields: []Field{{Name: "assessment_date", Kind: KindDate, Required: true, Zh: "复评日期", En: "Reassessment date"},
					{Name: "assessment_place", Kind: KindText, Short: true, Zh: "复评地点", En: "Reassessment place"}}},
			{Action: "issue", From: []string{"booked", "issued"}, To: "issued", Roles: staff, Zh: "登记新证", En: "record the new certificate",
				Fields: []Field{{Name: "issued_on", Kind: KindDate, Required: true, Zh: "新证发证日期", En: "New certificate issued on"}}},
			{Action: "record", From: []string{"issued"}, To: "done", Roles: staff, Zh: "更新档案", En: "update the record"},
			{Action: "cancel", From: []string{"requested", "booked", "issued"}, To: "cancelled", Roles: workers, Zh: "撤销", En: "cancel",
				Fields: []Field{{Name: "reason", Kind: KindText, Required: true, Zh: "原因", En: "Reason"}}},
		},
		Effect: func(ctx context.Context, tx *db.Tx, c *Case, action string, data map[string]any) error {
			// The case is in the caller's scope; the person may have moved
			// since it was opened, and their record follows the case.
			by := access.Caller{Actor: ActorOf(ctx), Scope: orgunit.AllUnits()}
			switch action {
			case "create":
				var other int64
				err := tx.QueryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM cases WHERE person_id = ? AND service_type = ? AND closed_at = 0 AND id <> ?`,
					c.PersonID, RenewalCode, c.ID).Scan(&other)
				if err != nil {
					return fmt.Errorf("open renewal: %w", err)
				}
				if other != 0 {
					return apperr.New(apperr.Conflict, fmt.Sprintf("此人已有一个进行中的换证任务：个案 %d。", other),
						fmt.Sprintf("This person already has a renewal under way: case %d.", other))
				}
			case "book":
				c.Data["assessment_date"] = data["assessment_date"]
				if p, ok := data["assessment_place"]; ok {
					c.Data["assessment_place"] = p
				}
			case "issue":
				issued, _ := data["issued_on"].(string)
				if _, err := reg.CheckRenewal(ctx, tx, by, c.PersonID, issued, "issued_on"); err != nil {
					return err
				}
				c.Data["issued_on"] = issued
			case "record":
				issued, _ := c.Data["issued_on"].(string)
				return reg.RenewCertificate(ctx, tx, by, c.PersonID, issued, "issued_on", fmt.Sprintf("case %d", c.ID))
			case "cancel":
				c.Data["reason"] = data["reason"]
			}
			return nil
		},
	}
}
