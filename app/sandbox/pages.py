"""Shared HTML shell for the portal, consent and error pages (inline CSS, no external assets)."""

from __future__ import annotations

from html import escape

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;background:#f4f6f8;color:#1e2a36;margin:0}
header{background:#13b5ea;color:#fff;padding:14px 28px;font-weight:600;font-size:18px}
main{max-width:720px;margin:28px auto;background:#fff;border-radius:8px;padding:28px 32px;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:22px;margin-top:0} label{display:block;font-weight:600;margin:16px 0 6px}
input[type=text],input[type=email],input[type=url],textarea{width:100%;box-sizing:border-box;padding:8px;
border:1px solid #c4ccd4;border-radius:4px;font:inherit}
.choice{font-weight:400;margin:6px 0} .greyed{color:#9aa5b1}
.error{background:#fdecea;color:#a4262c;padding:10px 14px;
border-radius:4px;margin:12px 0} .secret{font-family:monospace;background:#fff8e1;padding:10px;
border-radius:4px;word-break:break-all} code{font-family:monospace;background:#eef1f4;padding:2px 5px}
button,.button{background:#13b5ea;color:#fff;border:0;border-radius:4px;padding:9px 18px;font:inherit;
cursor:pointer;text-decoration:none;display:inline-block} button.secondary{background:#6b7785}
table{width:100%;border-collapse:collapse} td,th{text-align:left;padding:8px;border-bottom:1px solid #e3e7eb}
"""


def page(title: str, body: str, heading: str = "Xero Connect sandbox") -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><header>{escape(heading)}</header>"
        f"<main>{body}</main></body></html>"
    )


def errors_block(errors: list[str]) -> str:
    if not errors:
        return ""
    items = "".join(f"<div>{escape(e)}</div>" for e in errors)
    return f"<div class='error' id='errors' role='alert'>{items}</div>"
