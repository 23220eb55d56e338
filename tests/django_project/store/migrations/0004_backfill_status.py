from django.db import migrations


def mark_paid(apps, schema_editor):
    """Orders with a total were paid before statuses existed."""
    Order = apps.get_model("store", "Order")
    Order.objects.filter(total__gt=0).update(status="paid")


class Migration(migrations.Migration):

    dependencies = [
        ("store", "0003_order_status"),
    ]

    operations = [
        migrations.RunPython(mark_paid, migrations.RunPython.noop),
    ]
