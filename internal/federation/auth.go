package federation

import (
	"errors"
	"net/http"

	"sunshine/internal/platform/signedreq"
)

// Authenticate settles a signed call of a partner's installation: handled
// is false when r is not signed (a token is tried then). A signed call is
// refused (401) when its key is unknown or revoked, its signature does not
// match, its time lies outside signedreq.Window, its nonce was seen before
// (a replay), or its account is not an active peer account.
func (s *Store) Authenticate(r *http.Request) (c Caller, handled bool, err error) {
	if !signedreq.Is(r) {
		return Caller{}, false, nil
	}
	// Partners read: a signed call of any other method is refused.
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return Caller{}, true, errCall()
	}
	ctx := r.Context()
	sig, err := signedreq.Parse(r)
	if err != nil || !keyIDPattern.MatchString(sig.KeyID) {
		return Caller{}, true, errCall()
	}
	secret, userID, district, err := s.keySecret(ctx, sig.KeyID)
	if err != nil {
		return Caller{}, true, err
	}
	switch err := signedreq.Check(r, sig, secret, s.db.Now()); {
	case errors.Is(err, signedreq.ErrExpired):
		return Caller{}, true, errExpired()
	case err != nil:
		return Caller{}, true, errCall()
	}
	fresh, err := s.useNonce(ctx, sig.KeyID, sig.Nonce, sig.Time.Add(signedreq.Window+signedreq.Window))
	if err != nil {
		return Caller{}, true, err
	}
	if !fresh {
		return Caller{}, true, errReplay()
	}
	c, err = s.callerOf(ctx, userID, district)
	return c, true, err
}
