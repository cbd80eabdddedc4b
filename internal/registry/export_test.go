package registry

// Candidates is candidates, for the external tests.
var Candidates = candidates
