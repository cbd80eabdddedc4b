package federation

import (
	"sunshine/internal/platform/module"
)

// Module is the federation as the app sees it: its tables (the partners it
// calls and the keys it issued are backed up, sealed; the home district, the
// nonces of signed calls and the cached answers are not).
func Module() module.Module {
	return module.Module{
		Name:    "federation",
		Tables:  []string{"peers", "peer_keys"},
		Unsaved: []string{"installation", "peer_nonces", "peer_cache"},
		Sealed: []module.Sealed{
			{Table: "peers", Key: []string{"id"}, Column: "secret_enc", Field: "peers.secret", FieldKeyed: true},
			{Table: "peer_keys", Key: []string{"key_id"}, Column: "secret_enc", Field: "peer_keys.secret", FieldKeyed: true},
		},
	}
}
