// Package privacy is what a person may ask of the data held about them
// (PIPL arts. 44–46): a copy of all of it, and its correction, which arrives
// as a request in their town's inbox (the service type record_correction).
package privacy

import (
	"context"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/identity"
	"sunshine/internal/registry"
)

// Store gathers a person's data from the modules that hold it.
type Store struct {
	Registry *registry.Store
	Cases    *casework.Engine
}

// MyData is everything held about a person, as they download it.
type MyData struct {
	GeneratedAt   time.Time         `json:"generated_at"`
	Person        registry.Person   `json:"person"`
	Numbers       registry.Revealed `json:"numbers"` // their own full numbers
	AnnualRecords []registry.Annual `json:"annual_records"`
	Cases         []casework.Case   `json:"cases"`
	AccessLog     []audit.Entry     `json:"access_log"` // who read or changed the record
	Notice        map[string]string `json:"notice"`
}

// revealReason is the audit log's reason for the person's own full numbers.
const revealReason = "本人下载自己的全部数据 / the person downloads all their data"

// Collect gathers the data of the caller's own record (a person's account).
// Every part is read as the caller, so it is audited as their own reads.
func (s *Store) Collect(ctx context.Context, c access.Caller) (MyData, error) {
	id := c.PersonID
	out := MyData{GeneratedAt: time.Now().UTC(), Notice: map[string]string{
		"zh": "这是阳光助残云保存的关于您的全部信息。如有错误，可在“我的数据”页面申请更正。",
		"en": "This is all Sunshine holds about you. If something is wrong, ask for a correction on the My data page.",
	}}
	var err error
	if out.Person, err = s.Registry.Get(ctx, c, id); err != nil {
		return MyData{}, err
	}
	if out.Numbers, err = s.Registry.Reveal(ctx, c, id, revealReason); err != nil {
		return MyData{}, err
	}
	if out.AnnualRecords, err = s.Registry.AnnualRecords(ctx, c, id); err != nil {
		return MyData{}, err
	}
	out.Cases = []casework.Case{}
	for cursor := ""; ; {
		page, _, next, err := s.Cases.List(ctx, c, casework.Filter{PersonID: id, Limit: 500, Cursor: cursor})
		if err != nil {
			return MyData{}, err
		}
		for _, cs := range page {
			full, err := s.Cases.Get(ctx, c, cs.ID) // with its timeline
			if err != nil {
				return MyData{}, err
			}
			out.Cases = append(out.Cases, full)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	out.AccessLog = []audit.Entry{}
	for before := int64(0); ; {
		es, next, err := s.Registry.AccessLog(ctx, c, id, before, 500)
		if err != nil {
			return MyData{}, err
		}
		out.AccessLog = append(out.AccessLog, es...)
		if next == 0 || len(es) == 0 {
			break
		}
		before = next
	}
	return out, nil
}

// CorrectionType is the service type of a request to correct one's record:
// the person (or staff on their behalf) says what is wrong; the town's staff
// correct the record, or say why not.
func CorrectionType() casework.Type {
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	return casework.Type{
		Code: "record_correction", Zh: "档案更正申请", En: "Correction of a record",
		Initial:            "requested",
		ExpiredCertificate: casework.CertAllow, // a record is corrected whatever the certificate
		CreateRoles:        []string{identity.Person, identity.VillageAssistant, identity.TownStaff, identity.DistrictStaff},
		CreateFields: []casework.Field{{Name: "need", Kind: casework.KindText, Required: true,
			Zh: "哪里不对，应当是什么", En: "What is wrong, and what it should be"}},
		States: []casework.State{
			{Code: "requested", Zh: "待核实", En: "to be checked", Due: 15 * 24 * time.Hour},
			{Code: "corrected", Zh: "已更正", En: "corrected", Terminal: true},
			{Code: "declined", Zh: "未更正", En: "not corrected", Terminal: true},
			{Code: "cancelled", Zh: "已撤回", En: "withdrawn", Terminal: true},
		},
		Transitions: []casework.Transition{
			{Action: "correct", From: []string{"requested"}, To: "corrected", Roles: staff, Zh: "已更正", En: "corrected",
				Fields: []casework.Field{{Name: "note", Kind: casework.KindText, Required: true, Zh: "改了什么", En: "What was changed"}}},
			{Action: "decline", From: []string{"requested"}, To: "declined", Roles: staff, Zh: "不予更正", En: "decline",
				Fields: []casework.Field{{Name: "reason", Kind: casework.KindText, Required: true, Zh: "原因", En: "Reason"}}},
			{Action: "cancel", From: []string{"requested"}, To: "cancelled", Roles: []string{identity.Person}, Zh: "撤回", En: "withdraw"},
		},
	}
}
