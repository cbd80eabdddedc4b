package transfers_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/registry"
	"sunshine/internal/transfers"
)

// everywhere is district staff of every district, who makes the matrix's
// persons and transfers.
var everywhere = registry.Caller{Actor: audit.Actor{Username: "fixture", Role: identity.DistrictStaff}, Scope: orgunit.AllUnits()}

// seq numbers the matrix's persons (their ID numbers differ).
var seq atomic.Int64

// partnerOf gives the matrix's Env its partner Kunshan (sealing and opening
// only: Kunshan does not answer).
func partnerOf(e *apptest.Env) *partner {
	if f, ok := e.App.Transfers.Partners.(*partner); ok {
		return f
	}
	f := &partner{district: kunshan, name: "昆山", key: "k-matrix", down: true}
	_, _ = rand.Read(f.secret[:])
	e.App.Transfers.Partners = f
	return f
}

// seqID is the n-th test ID number of a district: born n days after 1
// January 1960.
func seqID(district string, n int64) string {
	return apptest.IDNumber(district + time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n)).Format("20060102") + "123")
}

// freshPerson registers a person of unit whose ID number no one has.
func freshPerson(e *apptest.Env, unit string) (int64, string) {
	n := seq.Add(1)
	id := seqID("310114", n)
	p, err := e.App.Registry.Create(context.Background(), everywhere, registry.PersonInput{Name: fmt.Sprintf("矩阵%d", n),
		IDNumber: id, Category: 1, Grade: 2, OrgUnit: unit})
	if err != nil {
		e.T.Fatal(err)
	}
	return p.ID, id
}

// outgoing issues a transfer of a fresh person of the fixture's village
// (out: of 玉山村, seen by no fixture user) to Kunshan.
func outgoing(e *apptest.Env, out bool) string {
	partnerOf(e)
	unit := apptest.Village
	if out {
		unit = apptest.VillageOut
	}
	id, _ := freshPerson(e, unit)
	tr, err := e.App.Transfers.Issue(context.Background(), everywhere, id, transfers.IssueInput{To: kunshan, Reason: "迁居"}, "zh")
	if err != nil {
		e.T.Fatal(err)
	}
	return tr.Ref
}

// packageFrom makes a package Kunshan sealed for Jiading of a person no
// installation has.
func packageFrom(e *apptest.Env) []byte {
	f := partnerOf(e)
	n := seq.Add(1)
	var raw [16]byte
	_, _ = rand.Read(raw[:])
	p := transfers.Package{Format: transfers.Format, Version: transfers.FormatVersion, Ref: hex.EncodeToString(raw[:]),
		From: kunshan, To: jiading, Key: f.key, CreatedAt: time.Now().UTC().Format(time.RFC3339)}
	plain, _ := json.Marshal(transfers.Plain{Person: registry.PersonInput{Name: fmt.Sprintf("转入%d", n),
		IDNumber: seqID("320583", n), Category: 1, Grade: 2, OrgUnit: "320583100201"}})
	g := f.gcm()
	nonce := make([]byte, g.NonceSize())
	_, _ = rand.Read(nonce)
	p.Data = base64.StdEncoding.EncodeToString(g.Seal(nonce, nonce, plain, p.AAD()))
	b, _ := json.Marshal(p)
	return b
}

// incoming receives a fresh package as staff of unit (the fixture's town,
// or out: Kunshan, seen by no fixture user but the peer).
func incoming(e *apptest.Env, out bool) transfers.Transfer {
	unit := "310114102"
	if out {
		unit = kunshan
	}
	c := registry.Caller{Actor: everywhere.Actor, Scope: orgunit.ScopeOf(unit)}
	tr, err := e.App.Transfers.Receive(context.Background(), c, packageFrom(e), "zh")
	if err != nil {
		e.T.Fatal(err)
	}
	return tr
}

func onOutgoing(rest string, out bool, body any) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		return apptest.Request{Path: "/api/v1/transfers/" + outgoing(e, out) + rest, Body: body}
	}
}

func onOutgoingForm(rest string, out bool, form url.Values) func(*apptest.Env, string) apptest.Request {
	return func(e *apptest.Env, _ string) apptest.Request {
		return apptest.Request{Path: "/transfers/" + outgoing(e, out) + rest, Form: form}
	}
}

func TestMatrix(t *testing.T) {
	staff := []string{identity.DistrictStaff, identity.TownStaff}
	apptest.Matrix(t, "transfers", map[string]apptest.Entry{
		"POST /api/v1/persons/{id}/transfers": {Allowed: staff, InOK: http.StatusCreated, OutOK: http.StatusNotFound,
			In: func(e *apptest.Env, _ string) apptest.Request {
				partnerOf(e)
				id, _ := freshPerson(e, apptest.Village)
				return apptest.Request{Path: apptest.PersonAPI(id, "/transfers"), Body: transfers.IssueInput{To: kunshan, Reason: "迁居"}}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				partnerOf(e)
				return apptest.Request{Path: apptest.PersonAPI(e.Out, "/transfers"), Body: transfers.IssueInput{To: kunshan, Reason: "迁居"}}
			}},
		"GET /api/v1/transfers": {Allowed: staff, InOK: http.StatusOK, In: apptest.Fixed("/api/v1/transfers", nil)},
		"POST /api/v1/transfers": {Allowed: staff, InOK: http.StatusCreated,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/api/v1/transfers", Body: json.RawMessage(packageFrom(e))}
			}},
		"GET /api/v1/transfers/{ref}": {Allowed: staff, InOK: http.StatusOK, OutOK: http.StatusNotFound,
			In: onOutgoing("", false, nil), Out: onOutgoing("", true, nil)},
		"GET /api/v1/transfers/{ref}/package": {Allowed: staff, InOK: http.StatusOK, OutOK: http.StatusNotFound,
			In: onOutgoing("/package", false, nil), Out: onOutgoing("/package", true, nil)},
		"POST /api/v1/transfers/{ref}/cancel": {Allowed: staff, InOK: http.StatusOK, OutOK: http.StatusNotFound,
			In:  onOutgoing("/cancel", false, transfers.ReasonInput{Reason: "不搬了"}),
			Out: onOutgoing("/cancel", true, transfers.ReasonInput{Reason: "不搬了"})},
		"POST /api/v1/transfers/{ref}/complete": {Allowed: staff, InOK: http.StatusOK, OutOK: http.StatusNotFound,
			In:  onOutgoing("/complete", false, transfers.ReasonInput{Reason: "昆山电话确认"}),
			Out: onOutgoing("/complete", true, transfers.ReasonInput{Reason: "昆山电话确认"})},
		"POST /api/v1/transfers/{ref}/accept": {Allowed: staff, InOK: http.StatusOK, OutOK: http.StatusNotFound,
			In: func(e *apptest.Env, _ string) apptest.Request {
				tr := incoming(e, false)
				return apptest.Request{Path: "/api/v1/transfers/" + tr.Ref + "/accept", Body: transfers.AcceptInput{OrgUnit: apptest.Village, Version: tr.Version}}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				tr := incoming(e, true)
				return apptest.Request{Path: "/api/v1/transfers/" + tr.Ref + "/accept", Body: transfers.AcceptInput{OrgUnit: apptest.Village, Version: tr.Version}}
			}},
		// The pages.
		"GET /transfers": {Allowed: staff, InOK: http.StatusOK, PageIn: true, In: apptest.Fixed("/transfers", nil)},
		"POST /transfers": {Allowed: staff, InOK: http.StatusSeeOther, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/transfers", File: packageFrom(e)}
			}},
		"GET /persons/{id}/transfer": {Allowed: staff, InOK: http.StatusOK, OutOK: http.StatusNotFound, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				partnerOf(e)
				return apptest.Request{Path: apptest.PersonPage(e.In, "/transfer")}
			},
			Out: apptest.OnPersonPage(apptest.OutPerson, "/transfer", nil)},
		"POST /persons/{id}/transfer": {Allowed: staff, InOK: http.StatusSeeOther, OutOK: http.StatusNotFound, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				partnerOf(e)
				id, _ := freshPerson(e, apptest.Village)
				return apptest.Request{Path: apptest.PersonPage(id, "/transfer"), Form: url.Values{"to": {kunshan}, "reason": {"迁居"}}}
			},
			Out: apptest.OnPersonPage(apptest.OutPerson, "/transfer", url.Values{"to": {kunshan}, "reason": {"迁居"}})},
		"GET /transfers/{ref}": {Allowed: staff, InOK: http.StatusOK, OutOK: http.StatusNotFound, PageIn: true,
			In: func(e *apptest.Env, user string) apptest.Request {
				if user == "town" { // the preview of an incoming one
					return apptest.Request{Path: "/transfers/" + incoming(e, false).Ref}
				}
				return apptest.Request{Path: "/transfers/" + outgoing(e, false)}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: "/transfers/" + outgoing(e, true)}
			}},
		"POST /transfers/{ref}/accept": {Allowed: staff, InOK: http.StatusSeeOther, OutOK: http.StatusNotFound, PageIn: true,
			In: func(e *apptest.Env, _ string) apptest.Request {
				tr := incoming(e, false)
				return apptest.Request{Path: "/transfers/" + tr.Ref + "/accept", Form: url.Values{"orgunit": {apptest.Village}, "version": {fmt.Sprint(tr.Version)}}}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				tr := incoming(e, true)
				return apptest.Request{Path: "/transfers/" + tr.Ref + "/accept", Form: url.Values{"orgunit": {apptest.Village}, "version": {fmt.Sprint(tr.Version)}}}
			}},
		"POST /transfers/{ref}/complete": {Allowed: staff, InOK: http.StatusSeeOther, OutOK: http.StatusNotFound, PageIn: true,
			In:  onOutgoingForm("/complete", false, url.Values{"reason": {"昆山电话确认"}}),
			Out: onOutgoingForm("/complete", true, url.Values{"reason": {"昆山电话确认"}})},
		"POST /transfers/{ref}/cancel": {Allowed: staff, InOK: http.StatusSeeOther, OutOK: http.StatusNotFound, PageIn: true,
			In:  onOutgoingForm("/cancel", false, url.Values{"cancel_reason": {"不搬了"}}),
			Out: onOutgoingForm("/cancel", true, url.Values{"cancel_reason": {"不搬了"}})},
		// The peer (Kunshan's account) hears of the packages Kunshan sent
		// here; of one another district sent (out), nothing.
		"GET /api/v1/federation/transfers/{ref}": {Allowed: []string{identity.Peer}, InOK: http.StatusOK, OutOK: http.StatusNotFound,
			In: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: transfers.PeerPath + incoming(e, false).Ref}
			},
			Out: func(e *apptest.Env, _ string) apptest.Request {
				return apptest.Request{Path: transfers.PeerPath + outgoing(e, false)}
			}},
	})
}
