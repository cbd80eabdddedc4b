package campaigns

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"sunshine/internal/access"
	"sunshine/internal/audit"
	"sunshine/internal/platform/apperr"
	"sunshine/internal/registry"
)

// ExportHeader is the header row of a campaign's list as exported.
var ExportHeader = []string{"姓名", "身份证号（部分隐藏）", "性别", "出生年份", "镇（街道）", "村居", "联系电话（部分隐藏）", "残疾类别", "残疾等级", "完成日期"}

// CheckReason checks the reason of an export: 2 to 200 characters.
func CheckReason(reason string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(reason)); n < 2 || n > 200 {
		return apperr.Validation(apperr.Field("reason", "invalid", "请说明导出的原因（2至200个字符）。", "Say why you export (2 to 200 characters)."))
	}
	return nil
}

// Export writes a campaign's list in the caller's scope (done, not done, or
// both when done is nil) into sink, for the hospital or the carrier: names,
// masked ID numbers and phones, the town and village, and the day each was
// reached. It is audited as an export of persons, with the reason, listing
// every exported person (each person's access log shows it).
func (s *Store) Export(ctx context.Context, c access.Caller, id int64, done *bool, reason string, sink registry.RowSink) (int, error) {
	reason = strings.TrimSpace(reason)
	if err := CheckReason(reason); err != nil {
		return 0, err
	}
	cp, err := s.campaign(ctx, s.db, c, id)
	if err != nil {
		return 0, err
	}
	where, args := c.Where("p.id", "p.orgunit")
	cond := ""
	if done != nil && *done {
		cond = " AND cp.done_on <> ''"
	} else if done != nil {
		cond = " AND cp.done_on = ''"
	}
	rows, err := s.db.Query(ctx, `SELECT p.id, p.name, p.id_masked, p.sex, p.birth_year, p.orgunit, p.phone_masked, p.category, p.grade, cp.done_on
		FROM campaign_persons cp JOIN persons p ON p.id = cp.person_id WHERE cp.campaign_id = ?`+cond+` AND `+where+` ORDER BY p.orgunit, p.id`,
		append([]any{id}, args...)...)
	if err != nil {
		return 0, fmt.Errorf("export campaign %d: %w", id, err)
	}
	type line struct {
		id                          int64
		name, idm, sex, unit, phone string
		birth, category, grade      int
		doneOn                      string
	}
	var lines []line
	var codes []string
	for rows.Next() {
		var l line
		if err := rows.Scan(&l.id, &l.name, &l.idm, &l.sex, &l.birth, &l.unit, &l.phone, &l.category, &l.grade, &l.doneOn); err != nil {
			_ = rows.Close()
			return 0, fmt.Errorf("export campaign %d: %w", id, err)
		}
		lines = append(lines, l)
		codes = append(codes, l.unit)
		if len(l.unit) >= 9 {
			codes = append(codes, l.unit[:9])
		}
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("export campaign %d: %w", id, err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("export campaign %d: %w", id, err)
	}
	names, err := s.units.Labels(ctx, codes, "zh")
	if err != nil {
		return 0, err
	}
	if err := sink.Write(ExportHeader); err != nil {
		return 0, err
	}
	var mention strings.Builder
	for _, l := range lines {
		sex := map[string]string{"M": "男", "F": "女"}[l.sex]
		town := ""
		if len(l.unit) >= 9 {
			town = names[l.unit[:9]]
		}
		birth := ""
		if l.birth > 0 {
			birth = strconv.Itoa(l.birth)
		}
		if err := sink.Write([]string{l.name, l.idm, sex, birth, town, names[l.unit], l.phone,
			registry.CategoryName(l.category, "zh"), strconv.Itoa(l.grade) + "级", l.doneOn}); err != nil {
			return 0, err
		}
		if mention.Len() == 0 {
			mention.WriteString(",")
		}
		mention.WriteString(strconv.FormatInt(l.id, 10) + ",")
	}
	e := c.Actor.Entry(audit.ActionExport, registry.SubjectExport, "campaign_persons", cp.OrgUnit)
	e.Reason = reason
	e.Detail = fmt.Sprintf(`{"kind":"campaign_persons","campaign":%d,"full_numbers":false,"rows":%d,"persons":%q}`, cp.ID, len(lines), mention.String())
	return len(lines), s.log.Record(ctx, e)
}
