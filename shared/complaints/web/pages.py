"""The small pages behind customers' links, in Chinese and English.

Opening a link shows a form and changes nothing; only submitting the form
(a POST to the same address) records an answer. Pages carry no script, are
never cached or indexed, and do not pass the link on as a referrer.
"""

from __future__ import annotations

from html import escape

from complaints.core.record import ComplaintRecord

HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                               "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}
_STYLE = ("body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;max-width:34rem;margin:2rem auto;"
          "padding:0 1rem;line-height:1.6;color:#1b1b1b}"
          "fieldset{border:1px solid #bbb;margin:1rem 0;padding:.5rem 1rem}"
          "legend{font-weight:600}label{margin-right:.8rem;white-space:nowrap}button{font-size:1.1rem;"
          "padding:.5rem 1.2rem;margin:.3rem .5rem .3rem 0}textarea{width:100%}")


def _page(title: str, body: str, language: str = "zh-CN") -> str:
    return (f'<!doctype html><html lang="{escape(language)}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>")


def _text(record: ComplaintRecord, zh: str, en: str) -> str:
    return zh if record.language == "zh-CN" else en


def survey_form(record: ComplaintRecord) -> str:
    t = lambda zh, en: escape(_text(record, zh, en))  # noqa: E731
    scores = "".join(f'<label><input type="radio" name="score" value="{n}" required> {n}</label>' for n in range(1, 11))

    def rating(name: str, zh: str, en: str) -> str:
        options = [("satisfied", "满意", "satisfied"), ("neutral", "一般", "neither"),
                   ("unsatisfied", "不满意", "unsatisfied")]
        radios = "".join(f'<label><input type="radio" name="{name}" value="{value}"> {t(z, e)}</label>'
                         for value, z, e in options)
        return f"<fieldset><legend>{t(zh, en)}</legend>{radios}</fieldset>"

    body = (f"<h1>{t('服务满意度评价', 'How did we do?')}</h1>"
            f"<p>{t('工单', 'Complaint')} {escape(record.complaint_id)}</p>"
            f'<form method="post">'
            f"<fieldset><legend>{t('总体评分（1 最差，10 最好）', 'Overall, from 1 (poor) to 10 (excellent)')}</legend>"
            f"{scores}</fieldset>"
            f"{rating('attitude', '服务态度', 'Our attitude')}{rating('speed', '处理速度', 'Our speed')}"
            f"{rating('result', '处理结果', 'The result')}"
            f'<p><label for="comment">{t("意见或建议（可选）", "Anything to add (optional)")}</label>'
            f'<textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea></p>'
            f'<button type="submit">{t("提交", "Send")}</button></form>')
    return _page(_text(record, "满意度评价", "Survey"), body, record.language)


def confirm_form(record: ComplaintRecord) -> str:
    t = lambda zh, en: escape(_text(record, zh, en))  # noqa: E731
    body = (f"<h1>{t('问题解决了吗？', 'Is the problem gone?')}</h1>"
            f"<p>{t('工单', 'Complaint')} {escape(record.complaint_id)}</p>"
            f'<form method="post">'
            f'<p><label for="comment">{t("补充说明（可选）", "Anything to add (optional)")}</label>'
            f'<textarea id="comment" name="comment" rows="3" maxlength="1000"></textarea></p>'
            f'<button type="submit" name="outcome" value="fixed">{t("已解决", "Yes, it is fixed")}</button>'
            f'<button type="submit" name="outcome" value="not_fixed">{t("仍未解决", "No, not fixed")}</button>'
            f"</form>")
    return _page(_text(record, "确认处理结果", "Confirm the fix"), body, record.language)


def message(title_zh: str, title_en: str, text: str) -> str:
    """A page for an answer or a refusal (the record may be unknown: both languages)."""
    body = f"<h1>{escape(title_zh)} / {escape(title_en)}</h1><p>{escape(text)}</p>"
    return _page(f"{title_zh} / {title_en}", body)
