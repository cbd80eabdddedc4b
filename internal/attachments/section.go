package attachments

import (
	"context"
	"fmt"
	"time"

	"sunshine/internal/access"
	"sunshine/internal/identity"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/platform/view"
)

var shanghai = time.FixedZone("CST", 8*3600)

// Day is the date of t in China.
func Day(t time.Time) string { return t.In(shanghai).Format(time.DateOnly) }

// PersonSection is the person page's table of the person's attachments (a
// registry Section): a thumbnail linking to the file, the kind, the date and
// who uploaded it, and a link to the page that adds and deletes them.
func (s *Store) PersonSection(ctx context.Context, c access.Caller, personID int64, lang string) ([]view.Table, error) {
	return s.section(ctx, c, Target{PersonID: personID}, lang)
}

// CaseSection is the same table on a case's page.
func (s *Store) CaseSection(ctx context.Context, c access.Caller, caseID int64, lang string) ([]view.Table, error) {
	return s.section(ctx, c, Target{CaseID: caseID}, lang)
}

func (s *Store) section(ctx context.Context, c access.Caller, t Target, lang string) ([]view.Table, error) {
	if !reaches(c, t) {
		return nil, nil
	}
	list, err := s.List(ctx, c, t)
	if apperr.CodeOf(err) == apperr.NotFound {
		return nil, nil // a provider's worker on a case it is not assigned: nothing to add
	}
	if err != nil {
		return nil, err
	}
	tr := func(zh, en string) string { return apperr.T(zh, en).In(lang) }
	tb := view.Table{ID: "attachments-caption", Caption: tr("附件（照片和扫描件）", "Attachments (photos and scans)"),
		Head:  []string{tr("缩略图", "Thumbnail"), tr("类型", "Kind"), tr("日期", "Date"), tr("上传人", "Uploaded by")},
		Empty: tr("还没有附件。", "No attachments yet.")}
	for _, a := range list {
		it := itemOf(a, lang)
		tb.Rows = append(tb.Rows, []view.Cell{{Href: it.FileHref, Img: it.ImgSrc, Alt: it.Alt}, {Text: it.Kind}, {Text: it.Date}, {Text: it.By}})
	}
	switch {
	case t.CaseID != 0 && (IsStaff(c) || c.Actor.Role == identity.Provider):
		tb.Links = []view.Cell{{Text: tr("添加或管理附件", "Add or manage attachments"), Href: fmt.Sprintf("/cases/%d/attachments", t.CaseID)}}
	case t.CaseID == 0 && IsStaff(c):
		tb.Links = []view.Cell{{Text: tr("添加或管理附件", "Add or manage attachments"), Href: fmt.Sprintf("/persons/%d/attachments", t.PersonID)}}
	case t.CaseID == 0 && c.Actor.Role == identity.Person:
		tb.Links = []view.Cell{{Text: tr("上传证件或单据的照片", "Upload a photo of a certificate or receipt"), Href: fmt.Sprintf("/persons/%d/attachments", t.PersonID)}}
	}
	return []view.Table{tb}, nil
}
