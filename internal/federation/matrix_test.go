package federation_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"sunshine/internal/app/apptest"
	"sunshine/internal/federation"
	"sunshine/internal/identity"
)

// partnerOf is the partner district each managing user works with in the
// matrix (each adds, checks and revokes its own).
func partnerOf(user string) string {
	if user == apptest.UserOf(identity.SysAdmin) {
		return "320585"
	}
	return "320583"
}

// tokenFor is a well-formed token of district (its installation is not
// running: calls of it fail at once).
func tokenFor(district, user string) string {
	return federation.Token{District: district, KeyID: fmt.Sprintf("%016x", len(user)+int(district[5])), Secret: bytes.Repeat([]byte{byte(len(user))}, 32)}.String()
}

// ensurePeer registers the user's partner (again).
func ensurePeer(e *apptest.Env, user string) string {
	d := partnerOf(user)
	if _, _, err := e.App.Federation.Store.AddPeer(context.Background(), federation.Actor{Username: "matrix"},
		federation.PeerInput{Name: "合作区" + d, URL: "http://127.0.0.1:9", Token: tokenFor(d, user)}); err != nil {
		e.T.Fatal(err)
	}
	return d
}

// dropPeer revokes the user's partner if it is registered.
func dropPeer(e *apptest.Env, user string) string {
	d := partnerOf(user)
	_ = e.App.Federation.Store.RevokePeer(context.Background(), federation.Actor{Username: "matrix"}, d)
	return d
}

func newKey(e *apptest.Env) string {
	_, k, err := e.App.Federation.Store.Issue(context.Background(), federation.Actor{Username: "matrix"}, apptest.UserOf(identity.Peer))
	if err != nil {
		e.T.Fatal(err)
	}
	return k.KeyID
}

// TestPermissionMatrix: district staff and leaders see the federation's
// figures; district staff and the system administrator manage partners
// and keys; a partner's installation (peer) reads only its installation's
// about and service volumes here; nobody else reaches anything.
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	dash := []string{identity.DistrictStaff, identity.Leader}
	managers := []string{identity.DistrictStaff, identity.SysAdmin}
	peersToo := []string{identity.Peer, identity.DistrictStaff, identity.Leader, identity.SysAdmin}
	apptest.Matrix(t, "federation", map[string]apptest.Entry{
		"GET /api/v1/federation/indicators": {Allowed: dash, In: apptest.Fixed("/api/v1/federation/indicators?year=2026", nil), InOK: http.StatusOK},
		"GET /api/v1/federation/services":   {Allowed: dash, In: apptest.Fixed("/api/v1/federation/services?year=2026", nil), InOK: http.StatusOK},
		"GET /api/v1/federation/about":      {Allowed: peersToo, In: apptest.Fixed("/api/v1/federation/about", nil), InOK: http.StatusOK},
		"GET /api/v1/federation/volumes":    {Allowed: peersToo, In: apptest.Fixed("/api/v1/federation/volumes?year=2026", nil), InOK: http.StatusOK},
		"GET /api/v1/peers":                 {Allowed: managers, In: apptest.Fixed("/api/v1/peers", nil), InOK: http.StatusOK},
		"POST /api/v1/peers": {Allowed: managers, InOK: http.StatusCreated, In: func(e *apptest.Env, u string) apptest.Request {
			d := dropPeer(e, u)
			return apptest.Request{Path: "/api/v1/peers", Body: federation.PeerInput{Name: "合作区" + d, URL: "http://127.0.0.1:9", Token: tokenFor(d, u)}}
		}},
		"DELETE /api/v1/peers/{district}": {Allowed: managers, InOK: http.StatusNoContent, In: func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/api/v1/peers/" + ensurePeer(e, u)}
		}},
		"POST /api/v1/peers/{district}/check": {Allowed: managers, InOK: http.StatusOK, In: func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/api/v1/peers/" + ensurePeer(e, u) + "/check", Body: struct{}{}}
		}},
		"GET /api/v1/peer-keys":  {Allowed: managers, In: apptest.Fixed("/api/v1/peer-keys", nil), InOK: http.StatusOK},
		"POST /api/v1/peer-keys": {Allowed: managers, In: apptest.Fixed("/api/v1/peer-keys", map[string]string{"username": "peer"}), InOK: http.StatusCreated},
		"DELETE /api/v1/peer-keys/{key}": {Allowed: managers, InOK: http.StatusNoContent, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/api/v1/peer-keys/" + newKey(e)}
		}},
		"GET /federation":       {Allowed: dash, PageIn: true, In: apptest.Fixed("/federation?year=2026", nil), InOK: http.StatusOK},
		"GET /federation/peers": {Allowed: managers, PageIn: true, In: apptest.Fixed("/federation/peers", nil), InOK: http.StatusOK},
		"POST /federation/peers": {Allowed: managers, PageIn: true, InOK: http.StatusSeeOther, In: func(e *apptest.Env, u string) apptest.Request {
			d := dropPeer(e, u)
			return apptest.Request{Path: "/federation/peers", Form: url.Values{"name": {"合作区" + d}, "url": {"http://127.0.0.1:9"}, "token": {tokenFor(d, u)}}}
		}},
		"POST /federation/peers/{district}/check": {Allowed: managers, PageIn: true, InOK: http.StatusOK, In: func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/federation/peers/" + ensurePeer(e, u) + "/check", Form: url.Values{}}
		}},
		"POST /federation/peers/{district}/revoke": {Allowed: managers, PageIn: true, InOK: http.StatusSeeOther, In: func(e *apptest.Env, u string) apptest.Request {
			return apptest.Request{Path: "/federation/peers/" + ensurePeer(e, u) + "/revoke", Form: url.Values{}}
		}},
		"POST /federation/keys": {Allowed: managers, PageIn: true, InOK: http.StatusOK, In: apptest.FixedForm("/federation/keys", url.Values{"username": {"peer"}})},
		"POST /federation/keys/{key}/revoke": {Allowed: managers, PageIn: true, InOK: http.StatusSeeOther, In: func(e *apptest.Env, _ string) apptest.Request {
			return apptest.Request{Path: "/federation/keys/" + newKey(e) + "/revoke", Form: url.Values{}}
		}},
	})
}
