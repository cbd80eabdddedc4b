package registry

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"

	"sunshine/internal/identity"
	"sunshine/internal/orgunit"
	"sunshine/internal/platform/web"
)

//go:embed visits.js
var visitsJS []byte

// OfflineHeader marks a response the service worker keeps for use without a
// network (internal/platform/web/static/sw.js): the visits page and its
// script, which hold no personal data (the visit sheets are in the phone's
// encrypted storage, never in a page).
const OfflineHeader = "X-Sunshine-Offline"

type visitsData struct {
	Year     int
	KeepDays int
	Rules    string // VisitRules as JSON
	Text     string // the script's words as JSON, in the page's language
	Fields   []VisitRule
	// Places are the towns and villages the caller may narrow the list
	// to (none for a village assistant, who has one village).
	Places []orgunit.PickGroup
}

// visitRoutes registers the visits page and its script.
func (pg *Pages) visitRoutes(rt *web.Router) {
	rt.Page("GET /visits", staff, pg.visits)
	rt.Page("GET /visits/visits.js", staff, func(w http.ResponseWriter, _ *http.Request, _ *web.Principal) error {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set(OfflineHeader, "keep")
		_, err := w.Write(visitsJS)
		return err
	})
}

func (pg *Pages) visits(w http.ResponseWriter, r *http.Request, p *web.Principal) error {
	page := pg.NewPage(r, p, "")
	page.Title = page.T("入户走访", "Home visits")
	year := pg.Store.db.Now().Year()
	rules := VisitRulesOf(year, page.Lang)
	rj, err := json.Marshal(rules)
	if err != nil {
		return fmt.Errorf("visit rules: %w", err)
	}
	tj, err := json.Marshal(visitWords(page))
	if err != nil {
		return fmt.Errorf("visit words: %w", err)
	}
	d := visitsData{Year: year, KeepDays: VisitKeepDays, Rules: string(rj), Text: string(tj), Fields: rules.Fields}
	if p.Role != identity.VillageAssistant {
		if d.Places, err = pg.unitPicker(r.Context(), CallerOf(r, p), page.Lang, false, ""); err != nil {
			return err
		}
	}
	page.Data = d
	w.Header().Set(OfflineHeader, "keep")
	return pg.Render(w, r, http.StatusOK, "visits.html", page)
}

// visitWords are the words visits.js shows, in the page's language.
func visitWords(page *web.Page) map[string]string {
	t := func(zh, en string) string { return page.T(zh, en) }
	return map[string]string{
		"online":         t("已连接网络。", "Online."),
		"offline":        t("没有网络：可以继续填写本机上的走访单，保存的记录会在恢复网络后发送。", "No network: you can go on filling the visit sheets on this phone; saved records are sent when the network is back."),
		"waiting":        t("{n} 份记录等待发送。", "{n} records are waiting to be sent."),
		"waiting1":       t("1 份记录等待发送。", "1 record is waiting to be sent."),
		"sending":        t("正在发送……", "Sending…"),
		"sent":           t("已发送 {n} 份记录。", "{n} records sent."),
		"sent1":          t("已发送 1 份记录。", "1 record sent."),
		"conflicts1":     t("1 份记录与系统中的不一致，请处理。", "1 record differs from the registry: resolve it."),
		"errors1":        t("1 份记录未被接受，请打开修改。", "1 record was not accepted: open it to correct."),
		"conflicts":      t("{n} 份记录与系统中的不一致，请逐一处理。", "{n} records differ from the registry: resolve each one."),
		"errors":         t("{n} 份记录未被接受，请打开修改。", "{n} records were not accepted: open them to correct."),
		"signin":         t("登录已失效：请重新登录后发送，记录仍保存在本机。", "You are signed out: sign in again to send; the records stay on this phone."),
		"signinLink":     t("重新登录", "Sign in again"),
		"noSheets":       t("本机上还没有走访单。", "There are no visit sheets on this phone yet."),
		"kept":           t("本机保存了 {n} 份走访单，{date} 前自动删除；退出登录时也会删除。", "This phone keeps {n} visit sheets until {date}, when they are deleted; signing out deletes them too."),
		"statusNew":      t("待填写", "To fill in"),
		"statusWaiting":  t("已填写，等待发送", "Filled in, waiting to be sent"),
		"statusSent":     t("已保存到系统", "Saved in the registry"),
		"statusConflict": t("与系统中的记录不一致：需要处理", "Differs from the registry: to resolve"),
		"statusError":    t("未被接受：需要修改", "Not accepted: to correct"),
		"fill":           t("填写", "Fill in"),
		"edit":           t("修改", "Edit"),
		"resolve":        t("处理", "Resolve"),
		"of":             t("：", ": "),
		"age":            t("{n} 岁", "age {n}"),
		"hasRecord":      t("今年已有记录", "has a record this year"),
		"noRecord":       t("今年还没有记录", "no record this year"),
		"loading":        t("正在读取……", "Loading…"),
		"candidates":     t("选择要走访的人（共 {n} 人）", "Choose whom to visit ({n} persons)"),
		"more":           t("人数过多，只列出了前 {n} 人。", "There are too many; the first {n} are listed."),
		"chosen":         t("已把 {n} 份走访单保存到本机。", "{n} visit sheets are kept on this phone."),
		"noneChosen":     t("请至少选择一人。", "Choose at least one person."),
		"needNetwork":    t("准备走访需要网络。", "Preparing visits needs the network."),
		"failed":         t("出错了：", "Something went wrong: "),
		"formTitle":      t("{year} 年度状况：{name}", "Annual record {year}: {name}"),
		"last":           t("{year} 年：{answer}", "{year}: {answer}"),
		"noLast":         t("{year} 年没有记录。", "There is no record for {year}."),
		"skipped":        t("按年龄（{age} 岁）不需要回答：{list}", "Not asked at this age ({age}): {list}"),
		"errorTitle":     t("请修改以下 {n} 处：", "Please correct {n} things:"),
		"savedLocal":     t("已保存在本机：{name}。", "Kept on this phone: {name}."),
		"conflictTitle":  t("对照两边的回答：{name}", "Compare the answers: {name}"),
		"conflictWho":    t("系统中的记录由 {who} 于 {when} 修改。请为每个不同的问题选择保留哪一个回答。", "The registry's record was changed by {who} at {when}. For each question that differs, choose the answer to keep."),
		"question":       t("问题", "Question"),
		"mine":           t("本机（走访时）", "This phone (the visit)"),
		"theirs":         t("系统中现在", "In the registry now"),
		"keep":           t("保留", "Keep"),
		"keepMine":       t("保留本机的回答", "Keep this phone's answer"),
		"keepTheirs":     t("保留系统中的回答", "Keep the registry's answer"),
		"chooseAll":      t("请为每个不同的问题选择保留哪个回答。", "Choose the answer to keep for each question that differs."),
		"empty":          t("（空）", "(empty)"),
		"wipeAsk":        t("还有记录没有发送，删除后将无法恢复。确定删除本机上的全部走访数据吗？", "Some records have not been sent and would be lost. Delete all visit data from this phone?"),
		"wiped":          t("本机上的走访数据已删除。", "The visit data on this phone has been deleted."),
		"expired":        t("走访单已超过保存期限，已从本机删除。", "The visit sheets were past their keeping period and have been deleted from this phone."),
		"otherUser":      t("本机上的走访数据属于另一个账户，已删除。", "The visit data on this phone belonged to another account and has been deleted."),
		"unreadable":     t("本机上的走访数据无法读取（密钥已删除），已清除。", "The visit data on this phone cannot be read (its key is gone) and has been cleared."),
		"noCrypto":       t("此浏览器不能加密保存数据，不能离线走访。请使用较新的浏览器并通过 HTTPS 访问。", "This browser cannot keep data encrypted, so visits cannot be prepared. Use a recent browser over HTTPS."),
		"signOutAsk":     t("还有 {n} 份记录没有发送，退出登录会把它们从本机删除。仍要退出吗？", "{n} records have not been sent; signing out deletes them from this phone. Sign out anyway?"),
	}
}
