"""The accounting system sends receivables here (F-CLI-3); the admin imports CSV/XLSX."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from clients.services import MAX_RECEIVABLE_ROWS, ReceivablesFeedBusy, import_receivables
from orderdesk.api import bearer_token_ok
from orderdesk.security.input import BadJSON, BodyTooLarge, read_json


@csrf_exempt
@login_not_required
@require_POST
def receivables(request):
    """``POST {"receivables": [{"client": "+74951000001" or id, "document_no": …,
    "document_date": "2026-11-01", "due_date": …, "amount": "1250.00", "paid_amount": …,
    "paid_at": …}]}`` with ``Authorization: Bearer $ACCOUNTING_TOKEN``.

    200 with counts; 400 with every row's errors (nothing written); 401 bad token;
    409 while another batch is being written (send again); 413 over MAX_RECEIVABLE_ROWS
    rows or RECEIVABLES_FEED_MAX_BYTES bytes.
    """
    if not bearer_token_ok(request, settings.ACCOUNTING_TOKEN):
        return JsonResponse({"error": "invalid or missing bearer token"}, status=401)
    try:
        body = read_json(request, max_bytes=settings.RECEIVABLES_FEED_MAX_BYTES)
    except BodyTooLarge:
        return JsonResponse(
            {
                "error": f"the body is over {settings.RECEIVABLES_FEED_MAX_BYTES} bytes; "
                f"send at most {MAX_RECEIVABLE_ROWS} rows per request"
            },
            status=413,
        )
    except BadJSON as error:
        return JsonResponse({"error": str(error)}, status=400)
    rows = body.get("receivables") if isinstance(body, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        return JsonResponse({"error": "receivables must be a list of objects"}, status=400)
    if len(rows) > MAX_RECEIVABLE_ROWS:
        return JsonResponse(
            {"error": f"at most {MAX_RECEIVABLE_ROWS} rows per request"}, status=413
        )
    try:
        outcome = import_receivables(rows)
    except ReceivablesFeedBusy:
        return JsonResponse(
            {"error": "another batch of receivables is being written; send again shortly"},
            status=409,
            headers={"Retry-After": "5"},
        )
    if outcome.errors:
        return JsonResponse({"errors": outcome.errors}, status=400)
    return JsonResponse(
        {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged}
    )
