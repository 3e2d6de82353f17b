from django.urls import path

from orders import page_views, views

app_name = "orders"
urlpatterns = [
    path("calls/<int:call_id>/order/", views.entry, name="entry"),
    path("calls/<int:call_id>/order/start/", views.start, name="start"),
    path("calls/<int:call_id>/order/search/", views.search, name="search"),
    path("calls/<int:call_id>/order/lines/", views.add_line, name="add_line"),
    path(
        "calls/<int:call_id>/order/lines/<int:product_id>/", views.change_line, name="change_line"
    ),
    path("calls/<int:call_id>/order/repeat/", views.repeat_last, name="repeat_last"),
    path("calls/<int:call_id>/order/offers/", views.answer_offer, name="answer_offer"),
    path("calls/<int:call_id>/order/delivery/", views.delivery, name="delivery"),
    path("calls/<int:call_id>/order/review/", views.review, name="review"),
    path("calls/<int:call_id>/order/accept/", views.accept, name="accept"),
    path("calls/<int:call_id>/order/done/", views.done, name="done"),
    path("orders/<int:order_id>/", page_views.order_page, name="page"),
    path("orders/<int:order_id>/status/", page_views.order_status, name="page_status"),
    path("orders/<int:order_id>/arrival/", page_views.order_arrival, name="page_arrival"),
    path(
        "orders/<int:order_id>/lines/<int:product_id>/",
        page_views.order_line,
        name="page_line",
    ),
    path("orders/<int:order_id>/confirmation/", views.confirmation, name="confirmation"),
    path(
        "orders/<int:order_id>/confirmation/send/",
        views.send_confirmation_view,
        name="send_confirmation",
    ),
    path("logs/orders/", views.order_log, name="order_log"),
]
