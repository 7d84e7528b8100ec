/* admission: being written */
