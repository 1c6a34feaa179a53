from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Uploads live outside any public URL: they go out only through permission-checked views."""

    def url(self, name):
        raise NotImplementedError("Fichier privé : servez-le par une vue qui contrôle les droits.")
