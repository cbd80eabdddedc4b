package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"sunshine/internal/audit"
)

const auditUsage = "usage: sunshine audit verify [--checkpoint FILE] [--db DSN] | sunshine audit checkpoint [--out FILE] [--db DSN]"

// auditCmd verifies the whole audit chain (and a kept checkpoint against it),
// or takes a signed checkpoint to keep elsewhere. Both are recorded in the log.
func auditCmd(ctx context.Context, args []string, stdout io.Writer, log *slog.Logger) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint") {
		return errors.New(auditUsage)
	}
	fs := flag.NewFlagSet("audit "+args[0], flag.ContinueOnError)
	var c common
	c.register(fs)
	kept := fs.String("checkpoint", "", "a kept checkpoint file to check against the log (verify)")
	out := fs.String("out", "", "write the checkpoint to this file instead of standard output (checkpoint)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	a, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer a.Close()
	cli := audit.Actor{Username: "cli", Role: "system"}
	if args[0] == "checkpoint" {
		cp, err := a.Audit.Checkpoint(ctx, cli.Entry(audit.ActionCreate, "audit_checkpoint", "", ""))
		if err != nil {
			return err
		}
		raw, _ := json.MarshalIndent(cp, "", "  ")
		raw = append(raw, '\n')
		if *out == "" {
			_, err = stdout.Write(raw)
			return err
		}
		return os.WriteFile(*out, raw, 0o600) // #nosec G703 -- --out is the operator's flag
	}
	if *kept != "" {
		raw, err := os.ReadFile(*kept) // #nosec G703 -- --kept is the operator's flag
		if err != nil {
			return err
		}
		var cp audit.Checkpoint
		if err := json.Unmarshal(raw, &cp); err != nil {
			return fmt.Errorf("%s is not a checkpoint file: %w", *kept, err)
		}
		res, err := a.Audit.CheckCheckpoint(ctx, cp, true)
		if err != nil {
			return err
		}
		e := cli.Entry(audit.ActionVerify, "audit_checkpoint", strconv.FormatInt(cp.Seq, 10), "")
		e.Detail = fmt.Sprintf(`{"ok":%t,"signed":%t,"matches":%t}`, res.OK, res.Signed, res.Matches)
		if err := a.Audit.Record(ctx, e); err != nil {
			return err
		}
		if err := chainResult(stdout, res.Chain); err != nil {
			return err
		}
		if res.Problem != "" {
			return fmt.Errorf("the checkpoint of entry %d does not match the log: %s", cp.Seq, res.Reason)
		}
		fmt.Fprintf(stdout, "the log still has entry %d with the checkpoint's chain value\n", cp.Seq)
		return nil
	}
	v, err := a.Audit.VerifyAll(ctx)
	if err != nil {
		return err
	}
	e := cli.Entry(audit.ActionVerify, "audit_log", "", "")
	e.Detail = fmt.Sprintf(`{"full":true,"ok":%t,"entries":%d}`, v.OK, v.Entries)
	if err := a.Audit.Record(ctx, e); err != nil {
		return err
	}
	return chainResult(stdout, v)
}

// chainResult prints a verification, and is an error when the chain is broken.
func chainResult(stdout io.Writer, v audit.Verification) error {
	if !v.OK {
		return fmt.Errorf("the audit chain is broken at entry %d: %s", v.FirstBroken, v.Reason)
	}
	fmt.Fprintf(stdout, "the audit chain is intact: %d entries verified (keyed from entry %d)\n", v.Checked, v.KeyedFrom)
	return nil
}
