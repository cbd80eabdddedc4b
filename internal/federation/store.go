package federation

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/safetext"
	"sunshine/internal/platform/vault"
)

// Store keeps the partners this installation calls and the keys it issued
// to partners' installations, and settles signed calls.
type Store struct {
	db    *db.DB
	vault *vault.Vault
	units *orgunit.Store
	users *identity.Store
	// Home is the home district's code (Home).
	Home string
	// lastSweep is when expired nonces were last deleted (Unix ms).
	lastSweep atomic.Int64
}

// NewStore returns the federation store of an installation whose home
// district is home.
func NewStore(d *db.DB, v *vault.Vault, units *orgunit.Store, users *identity.Store, home string) *Store {
	return &Store{db: d, vault: v, units: units, users: users, Home: home}
}

// Actor is who changes the federation's settings (audited).
type Actor = audit.Actor

// tokenPrefix starts every peer token: "sunshine-peer1.DISTRICT.KEYID.SECRET".
const tokenPrefix = "sunshine-peer1"

var (
	districtPattern = regexp.MustCompile(`^[0-9]{6}$`)
	keyIDPattern    = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// Token is a peer token as it travels between installations: who issued
// it (the district), the key's id and its secret.
type Token struct {
	District string
	KeyID    string
	Secret   []byte
}

// String is the token's one-line form.
func (t Token) String() string {
	return strings.Join([]string{tokenPrefix, t.District, t.KeyID, base64.RawURLEncoding.EncodeToString(t.Secret)}, ".")
}

func errToken() *apperr.Error {
	return apperr.Validation(apperr.Field("token", "invalid",
		"令牌格式不对：应为对方系统签发的一行“sunshine-peer1.区县代码.密钥编号.密钥”。",
		"The token is not valid: it is the one line “sunshine-peer1.DISTRICT.KEYID.SECRET” the partner's installation issued."))
}

// ParseToken reads a token's one-line form (surrounding spaces and a final
// newline are ignored).
func ParseToken(s string) (Token, error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, ".")
	if len(s) > 200 || len(parts) != 4 || parts[0] != tokenPrefix || !districtPattern.MatchString(parts[1]) || !keyIDPattern.MatchString(parts[2]) {
		return Token{}, errToken()
	}
	secret, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil || len(secret) != 32 {
		return Token{}, errToken()
	}
	return Token{District: parts[1], KeyID: parts[2], Secret: secret}, nil
}

func newToken(district string) (Token, error) {
	id := make([]byte, 8)
	secret := make([]byte, 32)
	if _, err := rand.Read(id); err != nil {
		return Token{}, fmt.Errorf("new key id: %w", err)
	}
	if _, err := rand.Read(secret); err != nil {
		return Token{}, fmt.Errorf("new secret: %w", err)
	}
	return Token{District: district, KeyID: hex.EncodeToString(id), Secret: secret}, nil
}

// Key is a key this installation issued to a partner's installation.
type Key struct {
	KeyID    string `json:"key_id"`
	Username string `json:"username"`
	// District is the partner district the key's account stands for.
	District     string     `json:"district"`
	DistrictName string     `json:"district_name"`
	IssuedBy     string     `json:"issued_by"`
	IssuedAt     time.Time  `json:"issued_at"`
	LastUsed     *time.Time `json:"last_used,omitempty"`
	Revoked      bool       `json:"revoked"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

func keyField(keyID string) string { return "peer_keys.secret:" + keyID }
func peerField(id int64) string    { return fmt.Sprintf("peers.secret:%d", id) }

// Issue issues a key to the peer account username (role peer, active): the
// partner's installation signs its calls with the token returned, which is
// shown only now. The key stands for the partner district the account names.
func (s *Store) Issue(ctx context.Context, by Actor, username string) (Token, Key, error) {
	u, err := s.users.Get(ctx, strings.TrimSpace(username))
	if err != nil || u.Role != identity.Peer {
		return Token{}, Key{}, apperr.Validation(apperr.Field("username", "not_peer",
			"没有这个合作区账户：请先添加角色为“合作区残联”的账户（其组织机构为对方区县）。",
			"There is no such partner account: first add an account of the role peer, whose org unit is the partner's district."))
	}
	if u.State != identity.StateActive {
		return Token{}, Key{}, apperr.Validation(apperr.Field("username", "inactive",
			"该合作区账户尚未启用或已停用。", "That partner account is not active."))
	}
	if du, err := s.units.Get(ctx, u.OrgUnit); err != nil || du.Level != 2 || u.OrgUnit == s.Home {
		return Token{}, Key{}, apperr.Validation(apperr.Field("username", "not_district",
			"该合作区账户的组织机构应为对方区县（6 位区县代码，不是本区县）。",
			"The partner account's org unit must be the partner's district (a 6-digit district code other than this one)."))
	}
	// The token names the district that issued it: this one.
	tok, err := newToken(s.Home)
	if err != nil {
		return Token{}, Key{}, err
	}
	now := s.db.Now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO peer_keys (key_id, user_id, district, secret_enc, issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?)`,
			tok.KeyID, u.ID, u.OrgUnit, s.vault.Seal(keyField(tok.KeyID), string(tok.Secret)), by.Username, db.Millis(now)); err != nil {
			return fmt.Errorf("issue key: %w", err)
		}
		e := by.Entry("peer_key_issue", "peer_key", tok.KeyID, u.OrgUnit)
		e.Detail = "account " + u.Username
		return audit.Append(ctx, tx, e)
	})
	if err != nil {
		return Token{}, Key{}, err
	}
	k := Key{KeyID: tok.KeyID, Username: u.Username, District: u.OrgUnit, IssuedBy: by.Username, IssuedAt: now.Truncate(time.Millisecond)}
	k.DistrictName = s.unitName(ctx, k.District)
	return tok, k, nil
}

func (s *Store) unitName(ctx context.Context, code string) string {
	return s.unitLabel(ctx, code, "zh")
}

// unitLabel is an org unit's name in a language (its code when unknown).
func (s *Store) unitLabel(ctx context.Context, code, lang string) string {
	if u, err := s.units.Get(ctx, code); err == nil {
		return u.Label(lang)
	}
	return code
}

// Keys lists the keys issued, the valid ones first, newest first.
func (s *Store) Keys(ctx context.Context) ([]Key, error) {
	rows, err := s.db.Query(ctx, `SELECT k.key_id, u.username, k.district, k.issued_by, k.issued_at, k.last_used, k.revoked_at
		FROM peer_keys k JOIN users u ON u.id = k.user_id ORDER BY CASE WHEN k.revoked_at = 0 THEN 0 ELSE 1 END, k.issued_at DESC, k.key_id`)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		var k Key
		var issued, used, revoked int64
		if err := rows.Scan(&k.KeyID, &k.Username, &k.District, &k.IssuedBy, &issued, &used, &revoked); err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		k.IssuedAt = db.FromMillis(issued)
		if used > 0 {
			t := db.FromMillis(used)
			k.LastUsed = &t
		}
		if revoked > 0 {
			t := db.FromMillis(revoked)
			k.Revoked, k.RevokedAt = true, &t
		}
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	for i := range out {
		out[i].DistrictName = s.unitName(ctx, out[i].District)
	}
	return out, nil
}

// RevokeKey revokes an issued key: calls signed with it are refused from now on.
func (s *Store) RevokeKey(ctx context.Context, by Actor, keyID string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var district string
		err := tx.QueryRow(ctx, `SELECT district FROM peer_keys WHERE key_id = ? AND revoked_at = 0`, keyID).Scan(&district)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.ErrNotFound()
		}
		if err != nil {
			return fmt.Errorf("revoke key: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE peer_keys SET revoked_at = ?, revoked_by = ? WHERE key_id = ?`, db.Millis(tx.Now), by.Username, keyID); err != nil {
			return fmt.Errorf("revoke key: %w", err)
		}
		return audit.Append(ctx, tx, by.Entry("peer_key_revoke", "peer_key", keyID, district))
	})
}

// Caller is the account a verified signed call acts as.
type Caller struct {
	User identity.User
	// District is the partner district the key was issued for.
	District string
}

// errCall is the answer to a signed call whose key or signature does not
// hold (one wording for every reason: an unknown, a revoked and a wrong
// key look alike).
func errCall() *apperr.Error {
	return apperr.New(apperr.Unauthorized, "签名调用无效：密钥未知、已撤销或签名不符。",
		"The signed call is not valid: the key is unknown or revoked, or the signature does not match.")
}

// ErrExpired is the answer to a signed call outside its time window.
func errExpired() *apperr.Error {
	return apperr.New(apperr.Unauthorized, "签名调用已过期（时间相差超过 5 分钟）：请核对两台服务器的时钟。",
		"The signed call has expired (its time is more than 5 minutes away): check both servers' clocks.")
}

func errReplay() *apperr.Error {
	return apperr.New(apperr.Unauthorized, "签名调用被重复提交，已拒绝。", "The signed call was replayed; refused.")
}

// keySecret gives the secret and the account of a valid issued key.
func (s *Store) keySecret(ctx context.Context, keyID string) ([]byte, int64, string, error) {
	var enc []byte
	var userID int64
	var district string
	err := s.db.QueryRow(ctx, `SELECT secret_enc, user_id, district FROM peer_keys WHERE key_id = ? AND revoked_at = 0`, keyID).Scan(&enc, &userID, &district)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, "", errCall()
	}
	if err != nil {
		return nil, 0, "", fmt.Errorf("read key: %w", err)
	}
	secret, err := s.vault.Open(keyField(keyID), enc)
	if err != nil {
		return nil, 0, "", fmt.Errorf("open key %s: %w", keyID, err)
	}
	return []byte(secret), userID, district, nil
}

// useNonce records a signed call's nonce for its key until expires: false
// when it was seen before (a replay). Expired nonces are swept at most once
// a minute.
func (s *Store) useNonce(ctx context.Context, keyID, nonce string, expires time.Time) (bool, error) {
	now := s.db.Now()
	if last := s.lastSweep.Load(); now.UnixMilli()-last > time.Minute.Milliseconds() && s.lastSweep.CompareAndSwap(last, now.UnixMilli()) {
		if _, err := s.db.Exec(ctx, `DELETE FROM peer_nonces WHERE expires_at < ?`, db.Millis(now)); err != nil {
			return false, fmt.Errorf("sweep nonces: %w", err)
		}
	}
	res, err := s.db.Exec(ctx, `INSERT INTO peer_nonces (key_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT (key_id, nonce) DO NOTHING`,
		keyID, nonce, db.Millis(expires))
	if err != nil {
		return false, fmt.Errorf("record nonce: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("record nonce: %w", err)
	}
	if n == 1 {
		// The key's last use, at most once a minute.
		if _, err := s.db.Exec(ctx, `UPDATE peer_keys SET last_used = ? WHERE key_id = ? AND last_used < ?`,
			db.Millis(now), keyID, db.Millis(now.Add(-time.Minute))); err != nil {
			return false, fmt.Errorf("mark key used: %w", err)
		}
	}
	return n == 1, nil
}

// callerOf gives the account of a key (a peer account, active).
func (s *Store) callerOf(ctx context.Context, userID int64, district string) (Caller, error) {
	var username string
	if err := s.db.QueryRow(ctx, `SELECT username FROM users WHERE id = ?`, userID).Scan(&username); err != nil {
		return Caller{}, errCall()
	}
	u, err := s.users.Get(ctx, username)
	if err != nil || u.Role != identity.Peer || u.State != identity.StateActive {
		return Caller{}, errCall()
	}
	return Caller{User: u, District: district}, nil
}

// Peer is a partner installation this one calls.
type Peer struct {
	ID       int64     `json:"id"`
	District string    `json:"district"`
	Name     string    `json:"name"`
	URL      string    `json:"url"`
	KeyID    string    `json:"key_id"`
	AddedBy  string    `json:"added_by"`
	AddedAt  time.Time `json:"added_at"`
	Revoked  bool      `json:"revoked"`
	// RevokedAt is when it was revoked (none while in use).
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// PeerInput is a partner to add: its name, its installation's base URL and
// the token it issued to this installation.
type PeerInput struct {
	Name  string `json:"name"`
	URL   string `json:"url"`
	Token string `json:"token"`
}

// checkURL checks a partner's base URL: http or https, a host, no user,
// query or fragment; it returns it without a final slash.
func checkURL(raw string) (string, *apperr.FieldError) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || len(raw) > 300 || safetext.Bad(raw) || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.Contains(raw, "?") || strings.Contains(raw, "#") {
		fe := apperr.Field("url", "invalid", "地址应为对方系统的网址，如 https://sunshine.ks.example.cn（http 或 https，不带用户名、参数）。",
			"The address is the partner installation's URL, e.g. https://sunshine.ks.example.cn (http or https, no user name or query).")
		return "", &fe
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// AddPeer registers a partner (or, for a district already registered,
// replaces its name, address and key: a new token). It reports whether the
// partner is new.
func (s *Store) AddPeer(ctx context.Context, by Actor, in PeerInput) (Peer, bool, error) {
	var fields []apperr.FieldError
	if fe := safetext.Field("name", &in.Name, true, 60, "名称", "name"); fe != nil {
		fields = append(fields, *fe)
	}
	base, fe := checkURL(in.URL)
	if fe != nil {
		fields = append(fields, *fe)
	}
	tok, err := ParseToken(in.Token)
	if err != nil {
		e, _ := apperr.As(err)
		fields = append(fields, e.Fields...)
	} else if tok.District == s.Home {
		fields = append(fields, apperr.Field("token", "own", "这是本区县自己签发的令牌：请使用合作区县系统签发给本区县的令牌。",
			"This token was issued by this district itself: use the token the partner district's installation issued to this one."))
	} else if u, err := s.units.Get(ctx, tok.District); err != nil || u.Level != 2 {
		fields = append(fields, apperr.Field("token", "district", "令牌中的区县代码 "+tok.District+" 不是已知的区县。",
			"The token's district code "+tok.District+" is not a known district."))
	}
	if len(fields) > 0 {
		return Peer{}, false, apperr.Validation(fields...)
	}
	var p Peer
	created := false
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		now := db.Millis(tx.Now)
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM peers WHERE district = ? AND revoked_at = 0`, tok.District).Scan(&id)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			created = true
			if err := tx.QueryRow(ctx, `INSERT INTO peers (district, name, url, key_id, secret_enc, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				tok.District, in.Name, base, tok.KeyID, []byte{}, by.Username, now).Scan(&id); err != nil {
				if db.IsUniqueViolation(err) {
					return apperr.New(apperr.Conflict, "该合作区县刚被他人添加，请刷新。", "This partner district was just added by someone else; reload.")
				}
				return fmt.Errorf("add peer: %w", err)
			}
		case err != nil:
			return fmt.Errorf("add peer: %w", err)
		}
		if _, err := tx.Exec(ctx, `UPDATE peers SET name = ?, url = ?, key_id = ?, secret_enc = ?, added_by = ?, added_at = ? WHERE id = ?`,
			in.Name, base, tok.KeyID, s.vault.Seal(peerField(id), string(tok.Secret)), by.Username, now, id); err != nil {
			return fmt.Errorf("add peer: %w", err)
		}
		// A new key: the answers cached under the old one are dropped.
		if _, err := tx.Exec(ctx, `DELETE FROM peer_cache WHERE peer_id = ?`, id); err != nil {
			return fmt.Errorf("add peer: %w", err)
		}
		action := "peer_add"
		if !created {
			action = "peer_update"
		}
		e := by.Entry(action, "peer", tok.District, tok.District)
		e.Detail = "url " + base + ", key " + tok.KeyID
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		p = Peer{ID: id, District: tok.District, Name: in.Name, URL: base, KeyID: tok.KeyID, AddedBy: by.Username, AddedAt: db.FromMillis(now)}
		return nil
	})
	return p, created, err
}

const peerCols = `id, district, name, url, key_id, added_by, added_at, revoked_at`

func scanPeer(sc interface{ Scan(...any) error }) (Peer, error) {
	var p Peer
	var added, revoked int64
	if err := sc.Scan(&p.ID, &p.District, &p.Name, &p.URL, &p.KeyID, &p.AddedBy, &added, &revoked); err != nil {
		return Peer{}, err
	}
	p.AddedAt = db.FromMillis(added)
	if revoked > 0 {
		t := db.FromMillis(revoked)
		p.Revoked, p.RevokedAt = true, &t
	}
	return p, nil
}

// Peers lists the partners, those in use first (by district), then the
// revoked ones, newest first.
func (s *Store) Peers(ctx context.Context, withRevoked bool) ([]Peer, error) {
	q := `SELECT ` + peerCols + ` FROM peers`
	if !withRevoked {
		q += ` WHERE revoked_at = 0`
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY CASE WHEN revoked_at = 0 THEN 0 ELSE 1 END, district, revoked_at DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	defer rows.Close()
	var out []Peer
	for rows.Next() {
		p, err := scanPeer(rows)
		if err != nil {
			return nil, fmt.Errorf("list peers: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	return out, nil
}

// peerOf gives the partner in use for a district, with its secret.
func (s *Store) peerOf(ctx context.Context, district string) (Peer, []byte, error) {
	var enc []byte
	var p Peer
	var added, revoked int64
	err := s.db.QueryRow(ctx, `SELECT `+peerCols+`, secret_enc FROM peers WHERE district = ? AND revoked_at = 0`, district).
		Scan(&p.ID, &p.District, &p.Name, &p.URL, &p.KeyID, &p.AddedBy, &added, &revoked, &enc)
	if errors.Is(err, sql.ErrNoRows) {
		return Peer{}, nil, apperr.New(apperr.NotFound, "区县 "+district+" 不是本系统的合作区县。", "District "+district+" is not a partner of this installation.")
	}
	if err != nil {
		return Peer{}, nil, fmt.Errorf("read peer: %w", err)
	}
	p.AddedAt = db.FromMillis(added)
	secret, err := s.vault.Open(peerField(p.ID), enc)
	if err != nil {
		return Peer{}, nil, fmt.Errorf("open peer %s: %w", district, err)
	}
	return p, []byte(secret), nil
}

// RevokePeer stops calling a partner (its token is forgotten).
func (s *Store) RevokePeer(ctx context.Context, by Actor, district string) error {
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE peers SET revoked_at = ?, revoked_by = ?, secret_enc = ? WHERE district = ? AND revoked_at = 0`,
			db.Millis(tx.Now), by.Username, []byte{}, district)
		if err != nil {
			return fmt.Errorf("revoke peer: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.ErrNotFound()
		}
		return audit.Append(ctx, tx, by.Entry("peer_revoke", "peer", district, district))
	})
}

// peerAccounts lists the active peer accounts (keys are issued to them).
func (s *Store) peerAccounts(ctx context.Context) ([]identity.User, error) {
	rows, err := s.db.Query(ctx, `SELECT username, orgunit FROM users WHERE role = ? AND state = ? ORDER BY orgunit, username`, identity.Peer, identity.StateActive)
	if err != nil {
		return nil, fmt.Errorf("list peer accounts: %w", err)
	}
	defer rows.Close()
	var out []identity.User
	for rows.Next() {
		var u identity.User
		if err := rows.Scan(&u.Username, &u.OrgUnit); err != nil {
			return nil, fmt.Errorf("list peer accounts: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}
