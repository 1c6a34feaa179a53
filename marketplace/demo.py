def load_demo(users):
    pass
