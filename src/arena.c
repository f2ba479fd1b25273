/* placeholder: arena */
