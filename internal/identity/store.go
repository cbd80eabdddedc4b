package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/vault"
)

// Session limits (the throttling of sign-ins is in limit.go).
const (
	IdleTimeout     = 30 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
	// touchEvery bounds how often a session's last-seen time is written.
	touchEvery = time.Minute
)

// User is an account.
type User struct {
	ID       int64  `json:"-"`
	Username string `json:"username"`
	Name     string `json:"name,omitempty"`
	Role     string `json:"role"`
	OrgUnit  string `json:"orgunit"`
	PersonID int64  `json:"person_id,omitempty"`
	// EmployerID links an account of the role "employer" to its organisation.
	EmployerID int64 `json:"employer_id,omitempty"`
	// ProviderID links an account of the role "provider" to its organisation.
	ProviderID int64 `json:"provider_id,omitempty"`
	// VolunteerID links an account of the role "volunteer" to its volunteer.
	VolunteerID int64  `json:"volunteer_id,omitempty"`
	Lang        string `json:"lang,omitempty"`
	Display     string `json:"display,omitempty"`
	Disabled    bool   `json:"disabled,omitempty"`
	// State is active, pending or disabled (states.go); a pending account
	// names the administrator who asked for it.
	State         string `json:"state" enum:"active,pending,disabled"`
	RequestedBy   string `json:"requested_by,omitempty"`
	RequestedRole string `json:"requested_role,omitempty"`
	// Reason is why the account was disabled or refused.
	Reason string `json:"reason,omitempty"`
	// TwoFactor tells whether the account has a second factor (totp.go);
	// List fills it.
	TwoFactor bool `json:"two_factor"`
}

// Session is an authenticated session as seen by a request.
type Session struct {
	User      User
	Kind      string // "api" or "web"
	CreatedAt time.Time
	LastSeen  time.Time
}

// ExpiresAt is when the session ends unless used again.
func (s Session) ExpiresAt() time.Time {
	idle, abs := s.LastSeen.Add(IdleTimeout), s.CreatedAt.Add(AbsoluteTimeout)
	if abs.Before(idle) {
		return abs
	}
	return idle
}

// Store keeps users and sessions.
type Store struct {
	db         *db.DB
	unitExists func(ctx context.Context, code string) (bool, error)
	dummyHash  string
	hashCost   HashCost
	cache      sessionCache
	// gate bounds the password hashing at once; verify checks a password
	// (VerifyPassword; tests count and slow it).
	gate      *hashGate
	verify    func(hash, password string) bool
	nextSweep atomic.Int64
	// holder names this server in the leases it takes (sweep).
	holder string
	// vault seals second-factor secrets; recoveryKey keys the hashes of the
	// recovery codes (totp.go).
	vault       *vault.Vault
	recoveryKey []byte
}

// cacheTTL bounds how long a session looked up in the database is trusted
// without asking again. The cache is kept only when the server is the
// database's only one (SQLite: db.DB.Shared is false), where every change
// to a session or a user goes through this store and drops what it changes
// from the cache at once. On a shared database (PostgreSQL) another server
// may end a session or disable, change or sign out a user at any moment, so
// every request reads its session (one query by primary key, as cheap as
// any check that the cache is still right would be): a change made on one
// server takes effect on the next request to any server.
const cacheTTL = 5 * time.Second

// sessionCache keeps recently authenticated sessions by token hash.
type sessionCache struct {
	// mu guards m; it is held only for map operations, never across a
	// database call or anything else that can wait.
	mu sync.Mutex
	m  map[[32]byte]cachedSession
}

type cachedSession struct {
	sess    Session
	fetched time.Time
}

const maxCached = 20000

func (c *sessionCache) get(key [32]byte, now time.Time) (Session, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.Sub(e.fetched) >= cacheTTL || now.Before(e.fetched) {
		return Session{}, false
	}
	return e.sess, true
}

func (c *sessionCache) put(key [32]byte, s Session, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[[32]byte]cachedSession)
	}
	c.m[key] = cachedSession{sess: s, fetched: now}
}

func (c *sessionCache) drop(key [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, key)
}

// dropUser forgets every cached session of one user, so that a change to
// the user (preferences, role, disabling) is seen by their next request.
func (c *sessionCache) dropUser(userID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if e.sess.User.ID == userID {
			delete(c.m, k)
		}
	}
}

// NewStore returns a store that hashes passwords at the production cost.
// unitExists tells whether an org unit code exists.
func NewStore(d *db.DB, unitExists func(ctx context.Context, code string) (bool, error)) *Store {
	return NewStoreCost(d, unitExists, HashCost{})
}

// NewStoreCost is NewStore with the cost of new password hashes (the zero
// HashCost is the production cost). Only tests pass another one.
func NewStoreCost(d *db.DB, unitExists func(ctx context.Context, code string) (bool, error), cost HashCost) *Store {
	h, _ := hashPassword("not a real password, used to even out timing", cost)
	holder := make([]byte, 8)
	_, _ = rand.Read(holder) // crypto/rand.Read never fails
	return &Store{db: d, unitExists: unitExists, dummyHash: h, hashCost: cost, gate: newHashGate(cost), verify: VerifyPassword,
		holder: hex.EncodeToString(holder)}
}

const userCols = `id, username, name, role, orgunit, COALESCE(person_id, 0), COALESCE(employer_id, 0), COALESCE(provider_id, 0), COALESCE(volunteer_id, 0), lang, display, state, requested_by, requested_role, state_reason`

func scanUser(sc interface{ Scan(...any) error }, more ...any) (User, error) {
	var u User
	err := sc.Scan(append([]any{&u.ID, &u.Username, &u.Name, &u.Role, &u.OrgUnit, &u.PersonID, &u.EmployerID, &u.ProviderID, &u.VolunteerID, &u.Lang, &u.Display,
		&u.State, &u.RequestedBy, &u.RequestedRole, &u.Reason}, more...)...)
	u.Disabled = u.State == StateDisabled
	return u, err
}

// Create adds a user after checking role, unit and password policy
// (CheckPassword). also runs in the same transaction (for the caller's audit
// entry).
func (s *Store) Create(ctx context.Context, u User, password string, also func(*db.Tx) error) (User, error) {
	u.State, u.RequestedBy, u.RequestedRole = StateActive, "", ""
	return s.create(ctx, u, password, true, also)
}

// CreateDemoAccount adds a demo account with the published DemoPassword,
// which the password policy refuses for every other account. Only the demo
// data loader calls it, on a demo database.
func (s *Store) CreateDemoAccount(ctx context.Context, u User, also func(*db.Tx) error) (User, error) {
	u.State, u.RequestedBy, u.RequestedRole = StateActive, "", ""
	return s.create(ctx, u, DemoPassword, false, also)
}

func (s *Store) create(ctx context.Context, u User, password string, policy bool, also func(*db.Tx) error) (User, error) {
	u.Username, u.Name = strings.TrimSpace(u.Username), strings.TrimSpace(u.Name)
	var fields []apperr.FieldError
	if u.Username == "" || len(u.Username) > 64 || strings.ContainsAny(u.Username, " \t\r\n/\\") {
		fields = append(fields, apperr.Field("username", "format", "用户名不能为空，不能含空格或斜杠，最长64个字符。",
			"The username must not be empty, contain spaces or slashes, or exceed 64 characters."))
	}
	if !ValidRole(u.Role) {
		fields = append(fields, apperr.Field("role", "unknown", "角色不存在："+u.Role, "Unknown role: "+u.Role))
	}
	if ok, err := s.unitExists(ctx, u.OrgUnit); err != nil {
		return User{}, err
	} else if !ok {
		fields = append(fields, apperr.Field("orgunit", "not_found", "组织单位不存在："+u.OrgUnit, "No org unit with code "+u.OrgUnit))
	}
	if e := CheckPassword(password, u.Username); e != nil && policy {
		fields = append(fields, e.Fields...)
	}
	if u.Role == Person && u.PersonID == 0 {
		fields = append(fields, apperr.Field("person_id", "required", "残疾人账户需关联残疾人档案。", "A person account must be linked to a registry record."))
	}
	if u.Role == Employer && u.EmployerID == 0 {
		fields = append(fields, apperr.Field("employer_id", "required", "用人单位账户需关联用人单位。", "An employer account must be linked to an employer."))
	}
	if u.Role == Provider && u.ProviderID == 0 {
		fields = append(fields, apperr.Field("provider_id", "required", "服务机构账户需关联服务机构。", "A provider account must be linked to a provider organisation."))
	}
	if u.Role == Volunteer && u.VolunteerID == 0 {
		fields = append(fields, apperr.Field("volunteer_id", "required", "志愿者账户需关联志愿者。", "A volunteer account must be linked to a volunteer."))
	}
	if len(fields) > 0 {
		return User{}, apperr.Validation(fields...)
	}
	var hash string
	var err error
	if gerr := s.gate.run(ctx, s.hashCost.orDefault().MemoryKiB, func() { hash, err = hashPassword(password, s.hashCost) }); gerr != nil {
		return User{}, gerr
	}
	if err != nil {
		return User{}, err
	}
	if u.Lang == "" {
		u.Lang = "zh"
	}
	if u.Display == "" {
		u.Display = "standard"
	}
	var person any
	if u.PersonID != 0 {
		person = u.PersonID
	}
	var employer any
	if u.EmployerID != 0 {
		employer = u.EmployerID
	}
	var provider any
	if u.ProviderID != 0 {
		provider = u.ProviderID
	}
	var volunteer any
	if u.VolunteerID != 0 {
		volunteer = u.VolunteerID
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO users (username, name, role, orgunit, person_id, employer_id, provider_id, volunteer_id, password_hash, lang, display, created_at,
				state, requested_by, requested_role, disabled)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.Username, u.Name, u.Role, u.OrgUnit, person, employer, provider, volunteer, hash, u.Lang, u.Display, db.Millis(tx.Now),
			u.State, u.RequestedBy, u.RequestedRole, u.State == StateDisabled).Scan(&u.ID)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T("用户名已被使用。", "This username is taken."),
				Fields: []apperr.FieldError{apperr.Field("username", "duplicate", "用户名已被使用。", "This username is taken.")}}
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// Get returns a user by username.
func (s *Store) Get(ctx context.Context, username string) (User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.New(apperr.NotFound, "用户不存在。", "No such user.")
	}
	if err != nil {
		return User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// List returns all users in code order of their unit (for administrators).
func (s *Store) List(ctx context.Context) ([]User, error) {
	rows, err := s.db.Query(ctx, `SELECT `+userCols+` FROM users ORDER BY orgunit, username`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	_ = rows.Close() // read to the end: rows.Err said how it went
	enrolled := map[int64]bool{}
	trows, err := s.db.Query(ctx, `SELECT user_id FROM user_totp WHERE confirmed = TRUE`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer trows.Close()
	for trows.Next() {
		var id int64
		if err := trows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		enrolled[id] = true
	}
	for i := range out {
		out[i].TwoFactor = enrolled[out[i].ID]
	}
	return out, trows.Err()
}

// badCredentials is the answer to a wrong username or password (401).
func badCredentials() *apperr.Error {
	return apperr.New(apperr.Unauthorized, "用户名或密码不正确。", "The username or password is not correct.")
}

// Login checks the password and opens a session of the given kind ("api" or
// "web") for a caller whose address is not known (the command line, tests);
// see LoginFrom.
func (s *Store) Login(ctx context.Context, username, password, kind string) (string, Session, error) {
	return s.LoginFrom(ctx, username, password, kind, "")
}

// LoginFrom checks the password of an attempt from the client address
// client and opens a session of the given kind ("api" or "web"). It returns
// the bearer token, which is stored only as a hash.
//
// The attempt is counted before its password is hashed (limit.go): while
// the pair (username, client), the username or the client has too many
// failures, the answer is TooMany (429, with how long to wait) and no
// password is checked. A wrong password, an unknown username and a disabled
// account all answer Unauthorized (401) after the same work, or TooMany when
// this failure fills a bucket; unknown usernames are counted exactly as
// known ones.
func (s *Store) LoginFrom(ctx context.Context, username, password, kind, client string) (string, Session, error) {
	return s.LoginOTP(ctx, username, password, "", kind, client)
}

// LoginOTP is LoginFrom with the code of a second factor (totp.go): a
// 6-digit TOTP code or a recovery code, ignored for an account without one.
// For an enrolled account, a right password without a code answers
// Unauthorized with the field error otp_required, after which the attempt
// is not counted (for a web sign-in, a *NeedsCode carrying the second
// step's challenge); a wrong code counts as a wrong password.
func (s *Store) LoginOTP(ctx context.Context, username, password, otp, kind, client string) (string, Session, error) {
	return s.attempt(ctx, attempt{username: strings.TrimSpace(username), password: password, otp: otp, kind: kind, client: client})
}

// attempt is one sign-in: a password (and a code when the account has a
// second factor), or a page's second step (a challenge and a code).
type attempt struct {
	username, password, otp string
	challenge               string // the password was checked in the first step
	kind, client            string
}

func (s *Store) attempt(ctx context.Context, at attempt) (string, Session, error) {
	keys := limitKeys(at.username, at.client)
	s.sweep(ctx)
	wait, err := s.admit(ctx, keys)
	if err != nil {
		return "", Session{}, fmt.Errorf("login: %w", err)
	}
	if wait > 0 {
		return "", Session{}, tooMany(wait)
	}
	// The attempt is counted: what follows is recorded even when the caller goes away.
	bg := context.WithoutCancel(ctx)
	giveBack := func(err error) (string, Session, error) {
		if terr := s.db.InTx(bg, func(tx *db.Tx) error { return takeBack(bg, tx, keys, false) }); terr != nil {
			return "", Session{}, fmt.Errorf("login: take back attempt: %w", terr)
		}
		return "", Session{}, err
	}
	fail := func(answer error) (string, Session, error) {
		wait, err := s.failed(bg, keys)
		if err != nil {
			return "", Session{}, fmt.Errorf("login: %w", err)
		}
		if wait > 0 {
			return "", Session{}, tooMany(wait)
		}
		return "", Session{}, answer
	}
	u, hash, found, err := s.loginUser(ctx, at.username)
	if err != nil {
		return giveBack(err)
	}
	ok := at.challenge != ""
	if !ok {
		if !found {
			hash = s.dummyHash // the same work as for a real account
		}
		if ok, err = s.checkPassword(ctx, hash, at.password); err != nil {
			return giveBack(err)
		}
	}
	if !found || !ok || u.State != StateActive {
		return fail(badCredentials())
	}
	enrolled, err := s.enrolled(ctx, u.ID)
	if err != nil {
		return giveBack(err)
	}
	switch {
	case at.challenge != "" && !enrolled: // reset in between
		return giveBack(errChallengeEnded())
	case enrolled && strings.TrimSpace(at.otp) == "":
		if at.kind != "web" {
			return giveBack(otpRequired())
		}
		c, err := s.newChallenge(bg, u.ID)
		if err != nil {
			return giveBack(err)
		}
		return giveBack(&NeedsCode{Challenge: c, err: otpRequired()})
	}
	token, sum, err := newToken()
	if err != nil {
		return giveBack(err)
	}
	errWrongCode := errors.New("wrong code")
	sess := Session{User: u, Kind: at.kind}
	err = s.db.InTx(bg, func(tx *db.Tx) error {
		sess.CreatedAt, sess.LastSeen = tx.Now.Truncate(time.Millisecond), tx.Now.Truncate(time.Millisecond)
		if at.challenge != "" {
			res, err := tx.Exec(bg, `DELETE FROM login_challenges WHERE token_hash = ? AND user_id = ? AND expires_at >= ?`,
				tokenHash(at.challenge), u.ID, db.Millis(tx.Now))
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return errChallengeEnded()
			}
		}
		if enrolled {
			ok, err := s.useSecond(bg, tx, u.ID, at.otp)
			if err != nil {
				return err
			}
			if !ok {
				return errWrongCode
			}
		}
		if err := takeBack(bg, tx, keys, true); err != nil {
			return err
		}
		_, err := tx.Exec(bg, `INSERT INTO sessions (token_hash, user_id, kind, created_at, last_seen) VALUES (?, ?, ?, ?, ?)`,
			sum, u.ID, at.kind, db.Millis(tx.Now), db.Millis(tx.Now))
		return err
	})
	if errors.Is(err, errWrongCode) {
		return fail(errBadCode("otp"))
	}
	if e, ok := apperr.As(err); ok {
		return giveBack(e)
	}
	if err != nil {
		return "", Session{}, fmt.Errorf("login: open session: %w", err)
	}
	return token, sess, nil
}

func newToken() (string, []byte, error) {
	b := make([]byte, 32) // 256 bits
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("new token: %w", err)
	}
	t := base64.RawURLEncoding.EncodeToString(b)
	return t, tokenHash(t), nil
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func errSessionEnded() *apperr.Error {
	return apperr.New(apperr.Unauthorized, "您尚未登录，或登录已过期，请重新登录。", "You are not signed in, or your session has expired; please sign in again.")
}

// Authenticate resolves a token to its session, ending it when it has been idle
// too long or has reached its absolute limit.
func (s *Store) Authenticate(ctx context.Context, token string) (Session, error) {
	if token == "" || len(token) > 100 {
		return Session{}, errSessionEnded()
	}
	sum := tokenHash(token)
	key := [32]byte(sum)
	now := s.db.Now()
	cached := !s.db.Shared() // see cacheTTL
	if cached {
		if sess, ok := s.cache.get(key, now); ok && now.Before(sess.ExpiresAt()) && now.Sub(sess.LastSeen) < touchEvery {
			return sess, nil
		}
	}
	var sess Session
	var created, seen int64
	var err error
	sess.User, err = scanUser(s.db.QueryRow(ctx, `SELECT u.id, u.username, u.name, u.role, u.orgunit, COALESCE(u.person_id, 0), COALESCE(u.employer_id, 0), COALESCE(u.provider_id, 0), COALESCE(u.volunteer_id, 0), u.lang, u.display,
			u.state, u.requested_by, u.requested_role, u.state_reason, s.kind, s.created_at, s.last_seen
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, sum), &sess.Kind, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, errSessionEnded()
	}
	if err != nil {
		return Session{}, fmt.Errorf("authenticate: %w", err)
	}
	sess.CreatedAt, sess.LastSeen = db.FromMillis(created), db.FromMillis(seen)
	if sess.User.State != StateActive || !now.Before(sess.ExpiresAt()) {
		s.cache.drop(key)
		if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, sum); err != nil {
			return Session{}, fmt.Errorf("end expired session: %w", err)
		}
		return Session{}, errSessionEnded()
	}
	if now.Sub(sess.LastSeen) >= touchEvery {
		if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen = ? WHERE token_hash = ?`, db.Millis(now), sum); err != nil {
			return Session{}, fmt.Errorf("touch session: %w", err)
		}
		sess.LastSeen = now.Truncate(time.Millisecond)
	}
	if cached {
		s.cache.put(key, sess, now)
	}
	return sess, nil
}

// Touch marks a session as used now (the "stay signed in" button).
func (s *Store) Touch(ctx context.Context, token string) error {
	s.cache.drop([32]byte(tokenHash(token)))
	_, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen = ? WHERE token_hash = ?`, db.Millis(s.db.Now()), tokenHash(token))
	if err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// Logout ends the session of token.
func (s *Store) Logout(ctx context.Context, token string) error {
	s.cache.drop([32]byte(tokenHash(token)))
	if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, tokenHash(token)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// SetPreferences stores the user's language and display mode.
func (s *Store) SetPreferences(ctx context.Context, userID int64, lang, display string) error {
	if _, err := s.db.Exec(ctx, `UPDATE users SET lang = ?, display = ? WHERE id = ?`, lang, display, userID); err != nil {
		return fmt.Errorf("set preferences: %w", err)
	}
	s.cache.dropUser(userID)
	return nil
}
