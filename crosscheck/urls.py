app_name = "crosscheck"
urlpatterns: list = []
