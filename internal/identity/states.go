package identity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// The states of an account. Only an active account signs in; a pending one
// waits for a second administrator's approval; a disabled one is refused
// exactly like a wrong password.
const (
	StateActive   = "active"
	StatePending  = "pending"
	StateDisabled = "disabled"
)

// Admins are the three separated administrators (三员分立): the system
// administrator runs the system, the security administrator grants roles
// and scopes, the auditor reads the log. None of them reads personal data.
func Admins() []string { return []string{SysAdmin, SecAdmin, Auditor} }

// IsAdmin reports whether role is one of the three administrators.
func IsAdmin(role string) bool { return role == SysAdmin || role == SecAdmin || role == Auditor }

// ReadsPersonalData reports whether an account of role sees personal data:
// the federation staff (the registry in scope), providers (their cases),
// volunteers (their tasks: names and addresses), persons (their own record)
// and employers (their disabled employees). Leaders see aggregates only; the
// administrators see none.
func ReadsPersonalData(role string) bool {
	switch role {
	case DistrictStaff, TownStaff, VillageAssistant, Provider, Volunteer, Person, Employer:
		return true
	}
	return false
}

// Requester is the administrator who asks for, approves, refuses or disables
// an account.
type Requester struct {
	Username string
	Role     string
}

func forbidden(zh, en string) *apperr.Error { return apperr.New(apperr.Forbidden, zh, en) }

// CanRequest tells whether an administrator of role by may ask for an account
// of role: the administrators' accounts only the security administrator, the
// others the system or the security administrator.
func CanRequest(by, role string) error {
	switch {
	case IsAdmin(role) && by != SecAdmin:
		return forbidden("管理员账户只能由安全管理员申请。", "Only the security administrator asks for administrator accounts.")
	case by != SysAdmin && by != SecAdmin:
		return forbidden("只有系统管理员和安全管理员可以申请账户。", "Only the system and security administrators ask for accounts.")
	}
	return nil
}

// CanApprove tells whether approver may approve (or refuse, when refusing is
// set) a request of requester: a request is approved by a different user of
// the other administrator role (the system administrator's by the security
// administrator, and the other way round). The requester may withdraw
// (refuse) their own request.
func CanApprove(approver, requester Requester, refusing bool) error {
	if approver.Role != SysAdmin && approver.Role != SecAdmin {
		return forbidden("只有系统管理员和安全管理员可以审批账户。", "Only the system and security administrators approve accounts.")
	}
	if refusing {
		return nil
	}
	if approver.Username == requester.Username {
		return forbidden("不能审批自己提出的申请，须由另一名管理员审批。", "You cannot approve your own request: another administrator must.")
	}
	if approver.Role == requester.Role {
		return forbidden("申请须由另一类管理员审批（系统管理员与安全管理员互相审批）。",
			"A request is approved by the other kind of administrator (system and security administrators approve each other's).")
	}
	return nil
}

// Request adds an account asked for by an administrator: it is pending, and
// cannot sign in, until a second administrator approves it (Approve).
func (s *Store) Request(ctx context.Context, by Requester, u User, password string, also func(*db.Tx) error) (User, error) {
	if err := CanRequest(by.Role, u.Role); err != nil {
		return User{}, err
	}
	u.State, u.RequestedBy, u.RequestedRole, u.Reason = StatePending, by.Username, by.Role, ""
	return s.create(ctx, u, password, true, also)
}

// getTx reads a user for a change of state.
func getTx(ctx context.Context, tx *db.Tx, username string) (User, error) {
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username = ?`, username))
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, apperr.New(apperr.NotFound, "用户不存在。", "No such user.")
	}
	if err != nil {
		return User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

func setState(ctx context.Context, tx *db.Tx, id int64, state, by, byRole, reason string) error {
	_, err := tx.Exec(ctx, `UPDATE users SET state = ?, requested_by = ?, requested_role = ?, state_reason = ?, disabled = ? WHERE id = ?`,
		state, by, byRole, reason, state == StateDisabled, id)
	if err != nil {
		return fmt.Errorf("set user state: %w", err)
	}
	return nil
}

func notPending() *apperr.Error {
	return apperr.New(apperr.Conflict, "该账户没有待审批的申请。", "This account has no request waiting for approval.")
}

// checkReason bounds the reason of a refusal or disabling.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return "", apperr.Validation(apperr.Field("reason", "required", "请填写原因（最多200个字符）。", "Give a reason (200 characters at most)."))
	}
	return reason, nil
}

// Approve makes a pending account active; approver must be a different
// administrator of the other kind (CanApprove).
func (s *Store) Approve(ctx context.Context, approver Requester, username string, also func(*db.Tx, User) error) (User, error) {
	var out User
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		u, err := getTx(ctx, tx, username)
		if err != nil {
			return err
		}
		if u.State != StatePending {
			return notPending()
		}
		if err := CanApprove(approver, Requester{Username: u.RequestedBy, Role: u.RequestedRole}, false); err != nil {
			return err
		}
		if err := setState(ctx, tx, u.ID, StateActive, "", "", ""); err != nil {
			return err
		}
		u.State, u.RequestedBy, u.RequestedRole, u.Reason, u.Disabled = StateActive, "", "", "", false
		out = u
		if also != nil {
			return also(tx, u)
		}
		return nil
	})
	return out, err
}

// Refuse turns a pending request down: the account is disabled, with reason.
func (s *Store) Refuse(ctx context.Context, by Requester, username, reason string, also func(*db.Tx, User) error) (User, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return User{}, err
	}
	return s.changeState(ctx, by, username, reason, true, also)
}

// Disable disables an account with reason: it cannot sign in any more (it is
// answered like a wrong password) and its sessions end at once. An
// administrator cannot disable their own account.
func (s *Store) Disable(ctx context.Context, by Requester, username, reason string, also func(*db.Tx, User) error) (User, error) {
	reason, err := checkReason(reason)
	if err != nil {
		return User{}, err
	}
	if by.Username == username {
		return User{}, forbidden("不能停用自己的账户。", "You cannot disable your own account.")
	}
	return s.changeState(ctx, by, username, reason, false, also)
}

func (s *Store) changeState(ctx context.Context, by Requester, username, reason string, refuse bool, also func(*db.Tx, User) error) (User, error) {
	var out User
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		u, err := getTx(ctx, tx, username)
		if err != nil {
			return err
		}
		if refuse {
			if u.State != StatePending {
				return notPending()
			}
			if err := CanApprove(by, Requester{Username: u.RequestedBy, Role: u.RequestedRole}, true); err != nil {
				return err
			}
		} else if err := CanRequest(by.Role, u.Role); err != nil {
			return err
		}
		if err := setState(ctx, tx, u.ID, StateDisabled, "", "", reason); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		u.State, u.RequestedBy, u.RequestedRole, u.Reason, u.Disabled = StateDisabled, "", "", reason, true
		out = u
		if also != nil {
			return also(tx, u)
		}
		return nil
	})
	if err != nil {
		return User{}, err
	}
	s.cache.dropUser(out.ID)
	return out, nil
}

// Enable asks for a disabled account to sign in again: it becomes pending,
// and a second administrator approves it as a new account.
func (s *Store) Enable(ctx context.Context, by Requester, username string, also func(*db.Tx, User) error) (User, error) {
	var out User
	err := s.db.InTx(ctx, func(tx *db.Tx) error {
		u, err := getTx(ctx, tx, username)
		if err != nil {
			return err
		}
		if u.State != StateDisabled {
			return apperr.New(apperr.Conflict, "该账户没有停用。", "This account is not disabled.")
		}
		if err := CanRequest(by.Role, u.Role); err != nil {
			return err
		}
		if err := setState(ctx, tx, u.ID, StatePending, by.Username, by.Role, ""); err != nil {
			return err
		}
		u.State, u.RequestedBy, u.RequestedRole, u.Reason, u.Disabled = StatePending, by.Username, by.Role, "", false
		out = u
		if also != nil {
			return also(tx, u)
		}
		return nil
	})
	return out, err
}
