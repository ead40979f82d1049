from rest_framework.views import APIView


class TrainingDataView(APIView):  # placeholder: issue #7 part 4
    pass
