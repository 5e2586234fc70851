"""Inspection codes (檢查碼) and plain-language guidance (普法碼): each visit gets a signed code
that the firm checks on a public page; after the visit the same code shows the findings, each
with a link to guidance on how to fix it, and takes the firm's feedback (docs/supervision.md)."""
