"""Step 4, 結果反饋 feedback: the candidate sees the report when the employer does, before any
adverse decision; a pre-adverse notice and a waiting period come first; the candidate may
dispute a finding, the agency reinvestigates within a deadline (or the finding is deleted), the
report is re-rated as a new version; decisions carry reasons picked from the report and are
refused when they break a rule, or recorded with a compliance flag the regulator sees.
"""
