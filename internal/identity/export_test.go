package identity

import "time"

// SetVerify replaces how s checks a password: tests count and slow the checks.
func SetVerify(s *Store, f func(hash, password string) bool) { s.verify = f }

// SetHashWait sets how long an attempt of s waits for its turn to hash.
func SetHashWait(s *Store, d time.Duration) { s.gate.wait = d }

// HashSlots is how many password hashes s runs at once.
func HashSlots(s *Store) int { return s.gate.slots() }

// HashAsIs hashes password as typed, without normalising it, as hashes were
// made before passwords were normalised.
func HashAsIs(password string, cost HashCost) (string, error) { return hashAsIs(password, cost) }
