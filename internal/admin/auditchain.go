package admin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/web"
)

// The auditor's work on the chain itself: verifying it (from the last
// verified position, or all of it), taking and exporting signed checkpoints,
// and checking a kept checkpoint against the log. Each of these but the
// incremental verification that every audit page does is itself audited
// (GB/T 22239-2019: the audit administrator's operations are audited too).

// subjectCheckpoint names checkpoints in audit entries.
const subjectCheckpoint = "audit_checkpoint"

// fullParam tells whether a request asks for a full verification (?full=1).
func fullParam(r *http.Request) bool {
	f := r.URL.Query().Get("full")
	return f == "1" || f == "true"
}

// verifyChain verifies the chain: all of it when full (and records that the
// caller did), else from the last verified position.
func (a *Admin) verifyChain(r *http.Request, p *web.Principal, full bool) (audit.Verification, error) {
	if !full {
		return a.Audit.Verify(r.Context())
	}
	v, err := a.Audit.VerifyAll(r.Context())
	if err != nil {
		return v, err
	}
	e := actorOf(r, p).Entry(audit.ActionVerify, "audit_log", "", "")
	e.Detail = fmt.Sprintf(`{"full":true,"ok":%t,"entries":%d}`, v.OK, v.Entries)
	return v, a.Audit.Record(r.Context(), e)
}

// checkKept checks a kept checkpoint and records that the caller did.
func (a *Admin) checkKept(r *http.Request, p *web.Principal, c audit.Checkpoint, full bool) (audit.CheckpointCheck, error) {
	res, err := a.Audit.CheckCheckpoint(r.Context(), c, full)
	if err != nil {
		return res, err
	}
	e := actorOf(r, p).Entry(audit.ActionVerify, subjectCheckpoint, strconv.FormatInt(c.Seq, 10), "")
	e.Detail = fmt.Sprintf(`{"ok":%t,"signed":%t,"matches":%t}`, res.OK, res.Signed, res.Matches)
	return res, a.Audit.Record(r.Context(), e)
}

// takeCheckpoint records a checkpoint now, the caller's entry for it included.
func (a *Admin) takeCheckpoint(r *http.Request, p *web.Principal) (audit.Checkpoint, error) {
	return a.Audit.Checkpoint(r.Context(), actorOf(r, p).Entry(audit.ActionCreate, subjectCheckpoint, "", ""))
}

// attachment names the file a checkpoint is saved as.
func attachment(w http.ResponseWriter, c audit.Checkpoint) {
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="sunshine-audit-checkpoint-%d.json"`, c.Seq))
}

// apiAuditCheckpoint answers the latest checkpoint, as a file to keep.
func (a *Admin) apiAuditCheckpoint(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	c, ok, err := a.Audit.LatestCheckpoint(r.Context())
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.NotFound, "还没有检查点：请用 POST /api/v1/audit/checkpoint 生成一个。",
			"There is no checkpoint yet: take one with POST /api/v1/audit/checkpoint.")
	}
	if err := a.Audit.Record(r.Context(), actorOf(r, p).Entry(audit.ActionExport, subjectCheckpoint, strconv.FormatInt(c.Seq, 10), "")); err != nil {
		return err
	}
	attachment(w, c)
	return web.JSON(w, http.StatusOK, c)
}

// apiAuditCheckpointPost takes a checkpoint now.
func (a *Admin) apiAuditCheckpointPost(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	c, err := a.takeCheckpoint(r, p)
	if err != nil {
		return err
	}
	attachment(w, c)
	return web.JSON(w, http.StatusCreated, c)
}

// apiAuditCheckKept checks the checkpoint in the body (a kept file, as it
// was exported) against the log.
func (a *Admin) apiAuditCheckKept(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	var c audit.Checkpoint
	if err := web.Decode(w, r, &c); err != nil {
		return err
	}
	res, err := a.checkKept(r, p, c, fullParam(r))
	if err != nil {
		return err
	}
	return web.JSON(w, http.StatusOK, res)
}

// pageAuditCheckpoint takes a checkpoint and hands it over as a file.
func (a *Admin) pageAuditCheckpoint(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	c, err := a.takeCheckpoint(r, p)
	if err != nil {
		return err
	}
	attachment(w, c)
	return web.JSON(w, http.StatusOK, c)
}

// maxCheckpointFile bounds an uploaded checkpoint file (one is 400 bytes).
const maxCheckpointFile = 16 << 10

// pageAuditVerify checks an uploaded checkpoint file and shows the result on
// the audit page.
func (a *Admin) pageAuditVerify(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	c, name, err := readCheckpointFile(w, r)
	if err != nil {
		if _, ok := apperr.As(err); !ok {
			return err
		}
		return a.renderAudit(w, r, p, http.StatusUnprocessableEntity, auditForm{err: err})
	}
	res, err := a.checkKept(r, p, c, false)
	if err != nil {
		return err
	}
	return a.renderAudit(w, r, p, http.StatusOK, auditForm{check: &res, kept: &c, file: name})
}

// readCheckpointFile reads the checkpoint of the form's file field.
func readCheckpointFile(w http.ResponseWriter, r *http.Request) (audit.Checkpoint, string, error) {
	bad := func(zh, en string) error { return apperr.Validation(apperr.Field("file", "format", zh, en)) }
	r.Body = http.MaxBytesReader(w, r.Body, maxCheckpointFile+4<<10)
	if err := r.ParseMultipartForm(maxCheckpointFile + 4<<10); err != nil { // #nosec G120 -- the body is bounded by the MaxBytesReader just above
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return audit.Checkpoint{}, "", bad("文件过大：检查点文件只有几百字节。", "The file is too large: a checkpoint file is a few hundred bytes.")
		}
		return audit.Checkpoint{}, "", bad("请选择检查点文件。", "Choose the checkpoint file.")
	}
	f, h, err := r.FormFile("file")
	if err != nil {
		return audit.Checkpoint{}, "", bad("请选择检查点文件。", "Choose the checkpoint file.")
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxCheckpointFile))
	if err != nil {
		return audit.Checkpoint{}, "", err
	}
	var c audit.Checkpoint
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.Format != audit.CheckpointFormat {
		return audit.Checkpoint{}, h.Filename, bad("这不是本系统导出的检查点文件（JSON，format 为 "+audit.CheckpointFormat+"）。",
			"This is not a checkpoint file as the system exports them (JSON, format "+audit.CheckpointFormat+").")
	}
	return c, h.Filename, nil
}

// problemText says what a verification or checkpoint problem means, in the
// page's language.
func problemText(page *web.Page, problem string) string {
	switch problem {
	case "":
		return ""
	case "missing":
		return page.T("缺少条目（被删除）。", "An entry is missing (deleted).")
	case "version":
		return page.T("链版本不对：带密钥的条目被当作不带密钥的条目重新计算。", "Wrong chain version: a keyed entry was passed off as an unkeyed one.")
	case "link":
		return page.T("与上一条目的链接不符。", "The link to the previous entry does not match.")
	case "content":
		return page.T("内容与其链值不符（被修改）。", "The content does not give its chain value (it was changed).")
	case "checkpoint":
		return page.T("与已签名的检查点不符：此前的日志被重写。", "It does not match a signed checkpoint: the log up to it was rewritten.")
	case "changed":
		return page.T("上次核验到的条目已被修改；请核验全部日志以找到第一处断开。", "The entry verified last has changed since; verify the whole log to find the first break.")
	case "tail":
		return page.T("日志末尾缺少条目。", "Entries are missing at the end of the log.")
	case "signature":
		return page.T("签名不符：文件被修改过，或来自其他系统（或其他数据密钥）。", "The signature does not verify: the file was changed, or comes from another installation (or data key).")
	case "rewritten":
		return page.T("该条目的链值与检查点不同：检查点之前的日志被重写。", "The entry has another chain value than the checkpoint: the log up to it was rewritten.")
	}
	return problem
}
