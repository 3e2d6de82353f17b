"""Screen pop: the phone system starts a call on an operator's console (F-CALL-1)."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from calls import services
from calls.errors import CallError
from orderdesk.api import bearer_token_ok
from orderdesk.models import StaffProfile
from orderdesk.security.input import BadJSON, read_json


@csrf_exempt
@login_not_required
@require_POST
def telephony_incoming(request):
    """``POST {"caller": "+74951000001", "extension": "101"}`` with ``Authorization: Bearer …``.

    201 with the call id; 401 bad token; 400 malformed body or number; 404 unknown extension.
    """
    if not bearer_token_ok(request, settings.TELEPHONY_TOKEN):
        return JsonResponse({"error": "invalid or missing bearer token"}, status=401)
    try:
        body = read_json(request)
    except BadJSON as error:
        return JsonResponse({"error": str(error)}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "body must be a JSON object"}, status=400)
    caller, extension = body.get("caller"), body.get("extension")
    if not isinstance(caller, str) or not isinstance(extension, str | int):
        return JsonResponse({"error": "caller and extension are required"}, status=400)
    profile = (
        StaffProfile.objects.select_related("user")
        .filter(extension=str(extension), user__is_active=True)
        .first()
    )
    if profile is None or not profile.user.has_perm("calls.use_console"):
        return JsonResponse({"error": "no operator at this extension"}, status=404)
    try:
        call = services.start_call(phone=caller, operator=profile.user)
    except CallError as error:
        return JsonResponse({"error": error.message}, status=400)
    return JsonResponse(
        {
            "call_id": call.pk,
            "phone": call.phone,
            "client_id": call.client_id,
            "client": call.client.name if call.client_id else None,
        },
        status=201,
    )
