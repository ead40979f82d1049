from rest_framework.views import APIView


class InsightsView(APIView):  # placeholder: issue #7 part 3
    pass
