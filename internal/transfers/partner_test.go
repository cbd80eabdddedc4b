package transfers_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"sunshine/internal/app/apptest"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/testkit"
	"sunshine/internal/transfers"
)

// partner is a test double of the federation (transfers.Partners) for one
// partner district: AES-256-GCM under one secret shared with that partner,
// and calls of the partner's real installation over HTTP with the bearer
// token of its account for this district (the signing is left out).
type partner struct {
	district, name string
	key            string   // the shared key's id
	secret         [32]byte // the shared key
	env            *apptest.Env
	user           string // the account of this district on the partner's installation
	down           bool   // the partner does not answer
}

func (f *partner) Partners(context.Context) ([]transfers.Partner, error) {
	return []transfers.Partner{{District: f.district, Name: f.name}}, nil
}

func (f *partner) Get(ctx context.Context, district, pathQuery string, out any) error {
	if district != f.district {
		return apperr.New(apperr.NotFound, "未登记的合作区。", "Not a registered partner.")
	}
	if f.down {
		return apperr.New(apperr.Conflict, "合作区未应答。", "The partner did not answer.")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", f.env.Srv.URL+pathQuery, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+f.env.Tokens[f.user])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return apperr.New(apperr.Conflict, "合作区未应答。", "The partner did not answer.")
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return apperr.New(apperr.Conflict, fmt.Sprintf("合作区答复错误（%d）。", resp.StatusCode), fmt.Sprintf("The partner answered an error (%d).", resp.StatusCode))
	}
	if err := json.Unmarshal(b, out); err != nil {
		return apperr.New(apperr.Conflict, "合作区答复无法读取。", "The partner's answer cannot be read.")
	}
	return nil
}

func (f *partner) gcm() cipher.AEAD {
	b, err := aes.NewCipher(f.secret[:])
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err)
	}
	return g
}

func (f *partner) Seal(_ context.Context, district string, aad, plain []byte) (string, []byte, error) {
	if district != f.district {
		return "", nil, apperr.New(apperr.Invalid, "未登记的合作区。", "Not a registered partner.")
	}
	g := f.gcm()
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return f.key, g.Seal(nonce, nonce, plain, aad), nil
}

func (f *partner) Open(_ context.Context, keyID string, aad, sealed []byte) (string, []byte, error) {
	bad := apperr.New(apperr.Invalid, "无法解密。", "Cannot be opened.")
	g := f.gcm()
	if keyID != f.key || len(sealed) < g.NonceSize() {
		return "", nil, bad
	}
	plain, err := g.Open(nil, sealed[:g.NonceSize()], sealed[g.NonceSize():], aad)
	if err != nil {
		return "", nil, bad
	}
	return f.district, plain, nil
}

// Districts of the two installations.
const (
	jiading = "310114"
	kunshan = "320583"
)

// pair is two installations that are each other's partner: A, Jiading (the
// default fixture), and B, Kunshan, with its own staff ("kdistrict" of the
// district, "ktown" of 玉山镇) and Jiading's account on it ("jpeer"). AtA
// and AtB are their partner doubles (AtA: how A reaches B).
type pair struct {
	A, B     *apptest.Env
	AtA, AtB *partner
}

// newPair starts the two installations on two databases of d's engine.
func newPair(t *testing.T, d *db.DB) *pair {
	t.Helper()
	d2 := testkit.SQLite
	if d.Dialect == db.Postgres {
		d2 = testkit.Postgres
	}
	a := apptest.NewEnv(t, d, apptest.Config(t))
	cfg := apptest.Config(t)
	cfg.District = kunshan
	b := apptest.NewEnv(t, d2(t), cfg)
	if b.App.District != kunshan || a.App.District != jiading {
		t.Fatalf("homes: %s, %s", a.App.District, b.App.District)
	}
	for _, u := range []identity.User{
		{Username: "kdistrict", Role: identity.DistrictStaff, OrgUnit: kunshan},
		{Username: "ktown", Role: identity.TownStaff, OrgUnit: "320583100"},
		{Username: "jpeer", Role: identity.Peer, OrgUnit: jiading},
	} {
		if _, err := b.App.Users.Create(context.Background(), u, apptest.Password, nil); err != nil {
			t.Fatal(err)
		}
		b.Tokens[u.Username] = b.Login(u.Username)
	}
	var secret [32]byte
	_, _ = rand.Read(secret[:])
	p := &pair{A: a, B: b,
		AtA: &partner{district: kunshan, name: "昆山", key: "k-jiading-kunshan-1", secret: secret, env: b, user: "jpeer"},
		AtB: &partner{district: jiading, name: "嘉定", key: "k-jiading-kunshan-1", secret: secret, env: a, user: "peer"}}
	a.App.Transfers.Partners = p.AtA
	b.App.Transfers.Partners = p.AtB
	return p
}
