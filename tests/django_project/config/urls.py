from django.http import HttpResponse
from django.urls import path


def home(request):
    from store.models import Order

    return HttpResponse(f"shop ok: {Order.objects.count()} orders")


urlpatterns = [path("", home)]
