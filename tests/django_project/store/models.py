from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)


class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    total = models.DecimalField(max_digits=10, decimal_places=2)
    created = models.DateTimeField()
    status = models.CharField(max_length=20, default="new")

    class Meta:
        indexes = [models.Index(fields=["created"], name="store_order_created_idx")]
