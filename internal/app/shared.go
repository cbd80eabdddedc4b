package app

import (
	"context"
	"errors"
)

// ErrKeyMismatch says that a server's data key is not the one the database
// was written with: on a database shared by several servers, a server given
// no key file makes a new key, and would seal what it writes with it.
var ErrKeyMismatch = errors.New("the data key does not open this database's encrypted data (ID numbers, audit chain): " +
	"every server of one database needs the same key file; copy it from a server that has it (SUNSHINE_KEY_FILE or DATA/sunshine.key, " +
	"and sunshine.audit.key beside it when a key rotation made one)")

// CheckKey reports, before a server starts, whether its data key opens the
// database: an encrypted ID number and the audit chain's last entry (nil on
// a database without either).
func (a *App) CheckKey(ctx context.Context) error {
	if err := a.checkKey(ctx); errors.Is(err, ErrWrongKey) {
		return ErrKeyMismatch
	} else if err != nil {
		return err
	}
	ok, err := a.Audit.KeyMatches(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return ErrKeyMismatch
	}
	return nil
}
