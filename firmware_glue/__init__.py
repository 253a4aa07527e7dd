"""firmware_glue"""
