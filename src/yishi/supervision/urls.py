from django.urls import path

from yishi.supervision import views

app_name = "supervision"

urlpatterns = [
    path("", views.task_list, name="tasks"),
    path("feedback/", views.feedback_list, name="feedback"),
    path("<int:task_id>/", views.task_detail, name="task"),
    path("<int:task_id>/result/", views.task_result, name="task_result"),
]
