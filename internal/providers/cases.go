package providers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/casework"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
)

// MaxBatch is how many cases one bulk assignment takes.
const MaxBatch = 200

// CaseField is the error field of a case of a bulk assignment that does
// not fit: "cases." and its id.
func CaseField(id int64) string { return "cases." + strconv.FormatInt(id, 10) }

// AssignMany puts several cases under one contract in one transaction
// (district or town staff): every case must lie in the caller's view and
// fit the contract, else nothing is written and the error names each case
// that does not (field CaseField(id)) with the reason. Each case is audited
// and its timeline records the (re)assignment.
func (s *Store) AssignMany(ctx context.Context, c access.Caller, caseIDs []int64, in AssignInput) ([]casework.Case, error) {
	if c.IsProvider() || c.PersonID != 0 {
		return nil, apperr.ErrNotFound()
	}
	if len(caseIDs) == 0 {
		return nil, apperr.Validation(apperr.Field("cases", "required", "请至少勾选一个个案。", "Tick at least one case."))
	}
	if len(caseIDs) > MaxBatch {
		return nil, apperr.Validation(apperr.Field("cases", "range", fmt.Sprintf("一次最多分配 %d 个个案。", MaxBatch), fmt.Sprintf("At most %d cases at a time.", MaxBatch)))
	}
	reason, e := text("reason", in.Reason, 200, false, "原因", "reason")
	if e != nil {
		return nil, apperr.Validation(*e)
	}
	k, err := s.Contract(ctx, access.Caller{Actor: c.Actor, Scope: c.Scope}, in.ContractID)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, apperr.Validation(apperr.Field("contract_id", "not_found", "找不到这份服务合同。", "There is no such contract."))
	}
	if err != nil {
		return nil, err
	}
	var fs []apperr.FieldError
	var list []casework.Case
	seen := map[int64]bool{}
	for _, id := range caseIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		cs, err := s.cases.Peek(ctx, c, id)
		if apperr.CodeOf(err) == apperr.NotFound {
			fs = append(fs, apperr.Field(CaseField(id), "not_found", "找不到这个个案，或不在您的管辖范围内。", "The case was not found or is outside your area."))
			continue
		}
		if err != nil {
			return nil, err
		}
		fs = append(fs, s.fits(cs, k, CaseField(id))...)
		list = append(list, cs)
	}
	if len(fs) > 0 {
		return nil, apperr.Validation(fs...)
	}
	out := make([]casework.Case, 0, len(list))
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		out = out[:0]
		for _, cs := range list {
			done, err := s.cases.Assign(ctx, tx, c, cs.ID, k.ID, k.ProviderID, reason)
			if err != nil {
				return err
			}
			en := c.Actor.Entry(ActionAssign, "case", strconv.FormatInt(cs.ID, 10), cs.OrgUnit)
			en.Detail = fmt.Sprintf(`{"contract":%d,"provider":%d,"batch":%d}`, k.ID, k.ProviderID, len(list))
			if err := audit.Append(ctx, tx, en); err != nil {
				return err
			}
			out = append(out, done)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ContractsFor lists the contracts in the caller's view that could take a
// case: they buy its service type and cover its unit, of this year or the
// last or the next, newest year first.
func (s *Store) ContractsFor(ctx context.Context, c access.Caller, cs casework.Case) ([]Contract, error) {
	all, err := s.contracts(ctx, c, 0, cs.ServiceType, false)
	if err != nil {
		return nil, err
	}
	this := s.db.Now().Year()
	var out []Contract
	for _, k := range all {
		if k.Year >= this-1 && k.Year <= this+1 && k.ServiceType == cs.ServiceType && strings.HasPrefix(cs.OrgUnit, k.OrgUnit) {
			out = append(out, k)
		}
	}
	return out, nil
}

// ContractsOfType lists the contracts in the caller's view of a service
// type, of this year or the last or the next ("" type: every type).
func (s *Store) ContractsOfType(ctx context.Context, c access.Caller, serviceType string) ([]Contract, error) {
	all, err := s.contracts(ctx, c, 0, serviceType, false)
	if err != nil {
		return nil, err
	}
	this := s.db.Now().Year()
	var out []Contract
	for _, k := range all {
		if k.Year >= this-1 && k.Year <= this+1 && (serviceType == "" || k.ServiceType == serviceType) {
			out = append(out, k)
		}
	}
	return out, nil
}

// Accounts counts the active accounts of an organisation's workers.
func (s *Store) Accounts(ctx context.Context, providerID int64) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM users WHERE provider_id = ? AND state = 'active'`, providerID).Scan(&n); err != nil {
		return 0, fmt.Errorf("provider accounts: %w", err)
	}
	return n, nil
}
