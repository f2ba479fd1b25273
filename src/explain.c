/* placeholder: explain */
