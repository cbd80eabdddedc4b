package providers

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/platform/web"
)

// ActionRelease is the audit action of releasing a payment milestone.
const ActionRelease = "release"

func milestoneNotFound() error {
	return apperr.New(apperr.NotFound, "找不到这个付款节点。", "There is no such payment milestone.")
}

// ReleaseMilestone releases a payment milestone of a contract in the
// caller's view once (district staff): who and when are kept, and the
// release is audited in the same transaction. A second release is a
// conflict (409); a milestone or contract outside the view is 404.
func (s *Store) ReleaseMilestone(ctx context.Context, c access.Caller, contractID int64, seq int) (Contract, error) {
	if c.IsProvider() || c.PersonID != 0 {
		return Contract{}, contractNotFound()
	}
	k, err := s.Contract(ctx, c, contractID)
	if err != nil {
		return Contract{}, err
	}
	if seq < 1 || seq > len(k.Milestones) {
		return Contract{}, milestoneNotFound()
	}
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE contract_milestones SET released_by = ?, released_at = ? WHERE contract_id = ? AND seq = ? AND released_at = 0`,
			c.Actor.Username, db.Millis(tx.Now), contractID, seq)
		if err != nil {
			return fmt.Errorf("release milestone: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("release milestone: %w", err)
		} else if n == 0 {
			return apperr.New(apperr.Conflict, "这个付款节点已经拨付过了。", "This payment milestone was released already.")
		}
		en := c.Actor.Entry(ActionRelease, SubjectContract, strconv.FormatInt(contractID, 10), k.OrgUnit)
		en.Detail = fmt.Sprintf(`{"milestone":%d,"amount":%d}`, seq, k.Milestones[seq-1].AmountCents)
		return audit.Append(ctx, tx, en)
	})
	if err != nil {
		return Contract{}, err
	}
	return s.Contract(ctx, c, contractID)
}

// milestoneRoutes registers the release of payment milestones.
func (s API) milestoneRoutes(rt *web.Router) {
	rt.Handle("POST /api/v1/contracts/{id}/milestones/{seq}/release", keepers, s.apiRelease, web.Types{In: ReleaseInput{}, Out: Contract{}})
}

// ReleaseInput is the body of a milestone's release: {} (not read).
type ReleaseInput struct{}

// apiRelease takes {} (the body is not read).
func (s API) apiRelease(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	id, err := web.PathID(r, contractNotFound())
	if err != nil {
		return err
	}
	seq, err := strconv.Atoi(r.PathValue("seq"))
	if err != nil || seq < 1 || seq > MaxMilestones {
		return milestoneNotFound()
	}
	out, err := s.ReleaseMilestone(r.Context(), access.Of(r, p), id, seq)
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, out)
}
