// Package transfers moves a person between districts (issue 20): the
// sending district issues a transfer package (the person's registry record
// and certificate, sealed for the receiving partner district), the receiving
// district checks it, keeps it and accepts it into a village of its own, and
// the sender marks the person moved out once the receiver confirms. Nothing
// else of the person leaves; every step is audited on its side.
package transfers

import (
	"context"
	"encoding/json"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/db"
	"sunshine/internal/registry"
)

// Partner is a partner district whose installation this one calls.
type Partner struct{ District, Name string }

// Partners reaches the partner districts (federation).
type Partners interface {
	// Partners lists the partners this installation calls.
	Partners(ctx context.Context) ([]Partner, error)
	// Get calls GET pathQuery on the partner's installation, signed, within a
	// bounded wait, and decodes its JSON answer into out (an *apperr.Error
	// saying why when the partner is not registered, does not answer, or
	// answers an error or garbage).
	Get(ctx context.Context, district, pathQuery string, out any) error
	// Seal encrypts plain for the partner district: AES-256-GCM under a key
	// shared only with that partner, bound to aad; keyID names the key for
	// the receiver.
	Seal(ctx context.Context, district string, aad, plain []byte) (keyID string, sealed []byte, err error)
	// Open decrypts what a partner sealed for this installation under keyID,
	// checking aad, and says which partner district the key belongs to; an
	// *apperr.Error (invalid) when the key is unknown or revoked or the data
	// was altered.
	Open(ctx context.Context, keyID string, aad, sealed []byte) (district string, plain []byte, err error)
}

// Caller is who asks (access.Caller).
type Caller = access.Caller

// States of a transfer: an outgoing one is issued, then cancelled or
// completed; an incoming one is received, then accepted.
const (
	Issued    = "issued"
	Cancelled = "cancelled"
	Completed = "completed"
	Received  = "received"
	Accepted  = "accepted"
)

// Directions of a transfer on this installation.
const (
	Out = "out"
	In  = "in"
)

// SubjectTransfer is the audit subject of a transfer (its id: the ref).
const SubjectTransfer = "transfer"

// Audit actions of the transfers.
const (
	ActionIssue    = "transfer_issue"
	ActionPackage  = "transfer_package" // the package file was taken (a read of the person)
	ActionCancel   = "transfer_cancel"
	ActionReceive  = "transfer_receive"
	ActionAccept   = "transfer_accept"
	ActionComplete = "transfer_complete"
)

// Format and FormatVersion name the package file's format.
const (
	Format        = "sunshine-transfer"
	FormatVersion = 1
)

// MaxPackage bounds a package file (a record and its certificate: a few KiB).
const MaxPackage = 256 << 10

// PeerPath is the path, under which a partner asks about the transfers it
// sent (the ref follows).
const PeerPath = "/api/v1/federation/transfers/"

// Package is the transfer package file. Every field but Data is its header;
// Data is the sealed Plain (base64), bound to the header (aad).
type Package struct {
	Format    string `json:"format"`
	Version   int    `json:"version"`
	Ref       string `json:"ref"`
	From      string `json:"from"`
	To        string `json:"to"`
	Key       string `json:"key"`
	CreatedAt string `json:"created_at"`
	Data      string `json:"data"`
}

// AAD is what the sealed data is bound to: every field of the header.
func (p Package) AAD() []byte {
	h := p
	h.Data = ""
	b, _ := json.Marshal(h) // a struct of strings and a number: cannot fail
	return b
}

// Certificate is one disability certificate of the person.
type Certificate struct {
	Number  string `json:"number"`
	Issued  string `json:"issued"`
	Expires string `json:"expires,omitempty"`
}

// Plain is what a package carries, sealed: the person's registry record
// (the contract's person fields, unmasked) and certificates (the registry
// keeps the current one: its number and issue date).
type Plain struct {
	Person       registry.PersonInput `json:"person"`
	Certificates []Certificate        `json:"certificates"`
}

// Preview is what the receiving staff see of an incoming package before
// they accept it: secrets masked.
type Preview struct {
	Name                    string `json:"name"`
	IDNumberMasked          string `json:"id_number_masked"`
	Category                int    `json:"category"`
	Grade                   int    `json:"grade"`
	CertificateNumberMasked string `json:"certificate_number_masked"`
	CertificateIssued       string `json:"certificate_issued"`
	FromOrgUnit             string `json:"from_orgunit"`
}

// Transfer is a transfer as answered.
type Transfer struct {
	Ref         string    `json:"ref"`
	Direction   string    `json:"direction" enum:"out,in"`
	Partner     string    `json:"partner"` // the other district's code
	PartnerName string    `json:"partner_name"`
	State       string    `json:"state" enum:"issued,cancelled,completed,received,accepted"`
	Reason      string    `json:"reason,omitempty"`
	Note        string    `json:"note,omitempty"`
	PersonID    int64     `json:"person_id,omitempty"` // out: the person sent; in: the person registered on accepting
	OrgUnit     string    `json:"orgunit"`
	Preview     *Preview  `json:"preview,omitempty"` // in: the package's person, masked
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int       `json:"version"`
}

// PeerState is what a partner learns of a transfer it sent: its state here.
type PeerState struct {
	Ref   string `json:"ref"`
	State string `json:"state" enum:"received,accepted"`
}

// Store keeps the transfers of this installation.
type Store struct {
	db    *db.DB
	reg   *registry.Store
	units *orgunit.Store
	log   *audit.Log
	// Home is the home district's code.
	Home string
	// Partners reaches the partner districts (nil: none, every transfer
	// to or from a partner is refused).
	Partners Partners
}

// NewStore returns a store.
func NewStore(d *db.DB, reg *registry.Store, units *orgunit.Store, log *audit.Log, home string) *Store {
	return &Store{db: d, reg: reg, units: units, log: log, Home: home}
}

func notFound() *apperr.Error { return apperr.ErrNotFound() }

func invalid(field, code, zh, en string) error {
	return apperr.Validation(apperr.Field(field, code, zh, en))
}

func conflict(field, code, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, Msg: apperr.T(zh, en), Fields: []apperr.FieldError{apperr.Field(field, code, zh, en)}}
}
