/* placeholder: patch */
