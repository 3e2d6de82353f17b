from django.urls import path

from orders import views

app_name = "orders"
urlpatterns = [
    path("calls/<int:call_id>/order/", views.entry, name="entry"),
    path("logs/orders/", views.order_log, name="order_log"),
]
