package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"sunshine/internal/audit"
	"sunshine/internal/federation"
)

const peerUsage = `usage:
  sunshine peer add --name NAME --url URL --token-file F   (register a partner district: the token its installation issued to this one)
  sunshine peer list                                       (the partners this installation calls)
  sunshine peer revoke --partner CODE                      (stop calling a partner)
  sunshine peer issue --username U [--out FILE]            (issue a key to a peer account: the token, for the partner, on stdout or in FILE)
  sunshine peer keys                                       (the keys this installation issued)
  sunshine peer revoke-key --key KEYID                     (refuse the calls signed with a key from now on)`

// cliActor is the command line as the audit log names it.
func cliActor() audit.Actor { return cliCaller().Actor }

func peerCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New(peerUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("peer "+sub, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var c common
	c.register(fs)
	name := fs.String("name", "", "the partner's name, e.g. 昆山市残联")
	url := fs.String("url", "", "the partner installation's address, e.g. https://sunshine.ks.example.cn")
	tokenFile := fs.String("token-file", "", "file holding the token the partner issued to this installation")
	partner := fs.String("partner", "", "the partner's district code")
	username := fs.String("username", "", "the peer account to issue a key to")
	out := fs.String("out", "", "file to write the token to (mode 0600; default: stdout)")
	key := fs.String("key", "", "the key's id")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n%s", err, peerUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), peerUsage)
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer func() { _ = a.Close() }()
	st := a.Federation.Store
	switch sub {
	case "add":
		if *tokenFile == "" {
			return errors.New("peer add: --token-file is required")
		}
		tok, err := secret(*tokenFile, "peer add: token")
		if err != nil {
			return err
		}
		p, created, err := st.AddPeer(ctx, cliActor(), federation.PeerInput{Name: *name, URL: *url, Token: tok})
		if err != nil {
			return err
		}
		verb := "added"
		if !created {
			verb = "updated"
		}
		fmt.Fprintf(stdout, "partner %s (%s) %s: %s, key %s\n", p.Name, p.District, verb, p.URL, p.KeyID)
	case "list":
		peers, err := st.Peers(ctx, true)
		if err != nil {
			return err
		}
		for _, p := range peers {
			state := "in use"
			if p.Revoked {
				state = "revoked " + p.RevokedAt.In(time.Local).Format("2006-01-02")
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\tkey %s\t%s\n", p.District, p.Name, p.URL, p.KeyID, state)
		}
	case "revoke":
		if err := st.RevokePeer(ctx, cliActor(), strings.TrimSpace(*partner)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "partner %s revoked: no longer called\n", *partner)
	case "issue":
		tok, k, err := st.Issue(ctx, cliActor(), *username)
		if err != nil {
			return err
		}
		if *out == "" {
			fmt.Fprintln(stdout, tok.String())
			return nil
		}
		if err := os.WriteFile(*out, []byte(tok.String()+"\n"), 0o600); err != nil { // #nosec G703 -- the operator names the file
			return fmt.Errorf("peer issue: %w", err)
		}
		fmt.Fprintf(stdout, "key %s issued to %s (partner %s); the token is in %s: hand it to the partner securely\n", k.KeyID, k.Username, k.District, *out)
	case "keys":
		keys, err := st.Keys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "valid"
			if k.Revoked {
				state = "revoked " + k.RevokedAt.In(time.Local).Format("2006-01-02")
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\tissued %s\t%s\n", k.KeyID, k.District, k.Username, k.IssuedAt.Format("2006-01-02"), state)
		}
	case "revoke-key":
		if err := st.RevokeKey(ctx, cliActor(), strings.TrimSpace(*key)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "key %s revoked\n", *key)
	default:
		return fmt.Errorf("unknown peer command %q\n%s", sub, peerUsage)
	}
	return nil
}
